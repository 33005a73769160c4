/** Configuration names, user references and near-miss suggestions. */

/**
 * Configuration names are the keys of CTS_CONFIG: letters, digits, dot, dash, underscore, with at least
 * one letter (so `audit 20` is a count, never a configuration called "20").
 */
const CONFIG_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export function isConfigName(value: string): boolean {
  return CONFIG_RE.test(value) && /[A-Za-z]/.test(value);
}

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UPN_RE = /^[^\s@",<>]+@[^\s@",<>]+\.[^\s@",<>]+$/;
export function isObjectId(value: string): boolean {
  return GUID_RE.test(value);
}
/** A user is named by UPN / mail or object id. */
export function isUserReference(value: string): boolean {
  return UPN_RE.test(value) || GUID_RE.test(value);
}

/** Case-insensitive exact match, else the nearest near miss (prefix or small edit distance). */
export function suggestConfig(name: string, known: readonly string[]): { match?: string; didYouMean?: string } {
  const wanted = name.trim().toLowerCase();
  if (!wanted) return {};
  const exact = known.find((k) => k.toLowerCase() === wanted);
  if (exact !== undefined) return { match: exact };
  const prefixed = known.filter((k) => k.toLowerCase().startsWith(wanted));
  if (prefixed.length === 1) return { didYouMean: prefixed[0] };
  let best: { name: string; distance: number } | undefined;
  for (const k of known) {
    const d = levenshtein(wanted, k.toLowerCase());
    if (!best || d < best.distance) best = { name: k, distance: d };
  }
  // A third of the name may be wrong, at least one character, at most three.
  const allowed = Math.min(3, Math.max(1, Math.floor(wanted.length / 3)));
  if (best && best.distance <= allowed) return { didYouMean: best.name };
  return {};
}

export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (!a.length) return b.length;
  if (!b.length) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
