/**
 * Look-alike names: does an account about to be synced into a tenant pass for someone powerful there (a holder of a
 * privileged directory role, or a name on the estate's `protectedNames` list)? Compared on display name, mail local
 * part and UPN prefix, by Unicode confusable skeleton (UTS #39, the table of the `unhomoglyph` package, which is
 * generated from Unicode's confusables.txt) and by a small edit distance on those skeletons. Pure: no I/O.
 *
 * What is NOT a warning: the same person (the target account is the one CTS already made from this source account,
 * found by its mail or its `alias_domain#EXT#` UPN), and ordinary distinct names (the distance is kept small and
 * short names must match closely; a test runs the whole demo estate through it and expects silence).
 */
import unhomoglyph from 'unhomoglyph';

/** The account about to enter the target tenant (as read in the source). */
export interface Newcomer {
  id: string;
  displayName?: string | null;
  mail?: string | null;
  userPrincipalName?: string | null;
}

/** A holder of a privileged role in the target tenant. */
export interface PrivilegedTarget {
  id: string;
  displayName?: string | null;
  mail?: string | null;
  userPrincipalName?: string | null;
  roles: readonly string[];
}

export type LookalikeField = 'displayName' | 'mail' | 'userPrincipalName';

export interface LookalikeSignal {
  principalId: string;
  principalName: string;
  field: LookalikeField;
  /** The newcomer's value that resembles. */
  value: string;
  /** Whom it resembles, as an approver knows them (display name, or the protected name). */
  resembles: string;
  /** The target account's id; absent for a protected name. */
  resemblesId?: string;
  /** Why that one matters: their roles, or "protected name". */
  standing: string;
  /** How it resembles, in words: "Cyrillic а in place of a", "the same display name", "“rn” in place of “m”". */
  why: string;
}

const FIELD_WORDS: Record<LookalikeField, string> = { displayName: 'Display name', mail: 'Mail', userPrincipalName: 'User name (UPN)' };

/** The line an approver reads. */
export function lookalikeText(s: LookalikeSignal, tenantName: string): string {
  const who = s.resemblesId ? `“${s.resembles}” (${s.standing} in ${tenantName})` : `“${s.resembles}” (a protected name in ${tenantName})`;
  return `${FIELD_WORDS[s.field]} ${s.value} looks like ${who}: ${s.why}.`;
}

const prefixOf = (s: string | null | undefined): string => (s ?? '').split('@')[0].trim();
const tidy = (s: string): string => s.normalize('NFC').replace(/\s+/g, ' ').trim();

/**
 * The UTS #39 skeleton: NFD, map every confusable to its prototype, NFD again. Confusables are case-sensitive
 * (`I` → `l`, `m` → `rn`) while names are not, so a name is compared by two keys: skeleton of the lower-cased text,
 * and the lower-cased skeleton of the text as written.
 */
export function skeleton(s: string): string {
  return unhomoglyph(s.normalize('NFD')).normalize('NFD');
}

function keys(s: string): string[] {
  const t = tidy(s);
  return [...new Set([skeleton(t.toLowerCase()), skeleton(t).toLowerCase()])];
}

/** Levenshtein distance over code points, stopping early once it passes `max`. */
export function editDistance(a: string, b: string, max = Number.MAX_SAFE_INTEGER): number {
  const x = Array.from(a);
  const y = Array.from(b);
  if (Math.abs(x.length - y.length) > max) return max + 1;
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
      best = Math.min(best, cur[j]);
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[y.length];
}

/** How far apart two names may be and still look alike: short names must match exactly (in skeleton). */
export function allowedDistance(length: number): number {
  if (length >= 12) return 2;
  if (length >= 6) return 1;
  return 0;
}

const SCRIPTS = ['Cyrillic', 'Greek', 'Armenian', 'Cherokee', 'Coptic', 'Georgian', 'Hebrew', 'Arabic'] as const;

/** A stretch of text as an approver should read it: its script when that is not plain ASCII. */
function describe(seg: string): string {
  if (!seg) return 'nothing';
  if (/^[\x20-\x7e]+$/.test(seg)) return `“${seg}”`;
  for (const script of SCRIPTS) if (new RegExp(`\\p{Script=${script}}`, 'u').test(seg)) return `${script} ${seg}`;
  const codes = Array.from(seg)
    .filter((c) => c.codePointAt(0)! > 0x7e)
    .map((c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`);
  return `${seg} (${codes.join(' ')})`;
}

/** The differing middle of two strings (after their common beginning and end), in words. */
export function differenceInWords(value: string, reference: string): string {
  const a = Array.from(tidy(value).toLowerCase());
  const b = Array.from(tidy(reference).toLowerCase());
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  let s = 0;
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  const segA = a.slice(p, a.length - s).join('');
  const segB = b.slice(p, b.length - s).join('');
  if (!segA && !segB) return 'the same apart from letter case';
  if (!segA) return `${describe(segB)} left out`;
  if (!segB) return `${describe(segA)} added`;
  // A lone letter reads better without quotes: "Cyrillic а in place of a".
  return `${describe(segA)} in place of ${/^[a-z0-9]$/.test(segB) ? segB : describe(segB)}`;
}

/**
 * How `value` resembles `reference`, or undefined when it does not. `fuzzy`: also a small edit distance (display
 * names); aliases (mail and UPN prefixes) only by confusable skeleton, as `asmith` and `jsmith` are different people.
 */
export function resemblance(value: string, reference: string, sameWords: string, fuzzy = true): string | undefined {
  const v = tidy(value);
  const r = tidy(reference);
  if (!v || !r) return undefined;
  if (v.toLowerCase() === r.toLowerCase()) return sameWords;
  const kv = keys(v);
  const kr = keys(r);
  if (kv.some((k) => kr.includes(k))) return differenceInWords(v, r);
  if (!fuzzy) return undefined;
  const max = allowedDistance(Math.min(...kv.map((k) => Array.from(k).length), ...kr.map((k) => Array.from(k).length)));
  if (max === 0) return undefined;
  if (kv.some((a) => kr.some((b) => editDistance(a, b, max) <= max))) return differenceInWords(v, r);
  return undefined;
}

/** Is `target` the account CTS made (or would make) from `newcomer`? Then a resemblance is identity, not a lure. */
export function isSamePerson(newcomer: Newcomer, target: PrivilegedTarget): boolean {
  if (newcomer.id.toLowerCase() === target.id.toLowerCase()) return true;
  const mail = (newcomer.mail ?? '').toLowerCase();
  if (mail && mail === (target.mail ?? '').toLowerCase()) return true;
  const upn = (newcomer.userPrincipalName ?? '').toLowerCase();
  const tUpn = (target.userPrincipalName ?? '').toLowerCase();
  // B2B accounts carry the source UPN with @ replaced by _, before #EXT#.
  return !!upn && tUpn.startsWith(`${upn.replace('@', '_')}#ext#`);
}

function fieldsOf(n: {
  displayName?: string | null;
  mail?: string | null;
  userPrincipalName?: string | null;
}): { field: LookalikeField; value: string; kind: 'name' | 'alias' }[] {
  const out: { field: LookalikeField; value: string; kind: 'name' | 'alias' }[] = [];
  if (n.displayName?.trim()) out.push({ field: 'displayName', value: tidy(n.displayName), kind: 'name' });
  if (prefixOf(n.mail)) out.push({ field: 'mail', value: prefixOf(n.mail), kind: 'alias' });
  // A B2B UPN's prefix is someone else's address: not a name anyone chose here.
  const upn = prefixOf(n.userPrincipalName);
  if (upn && !(n.userPrincipalName ?? '').includes('#EXT#') && upn.toLowerCase() !== prefixOf(n.mail).toLowerCase())
    out.push({ field: 'userPrincipalName', value: upn, kind: 'alias' });
  return out;
}

/**
 * Every way the newcomers resemble the target's privileged people or the protected names; one signal per newcomer
 * field and person resembled. Display names are compared with display names, aliases (mail local part, UPN prefix)
 * with aliases; a protected name with both.
 */
export function findLookalikes(newcomers: readonly Newcomer[], privileged: readonly PrivilegedTarget[], protectedNames: readonly string[]): LookalikeSignal[] {
  const out: LookalikeSignal[] = [];
  for (const n of newcomers) {
    const principalName = n.displayName ?? n.userPrincipalName ?? n.id;
    const mine = fieldsOf(n);
    for (const p of privileged) {
      if (isSamePerson(n, p)) continue;
      const theirs = fieldsOf(p);
      for (const f of mine) {
        const hit = theirs
          .filter((t) => t.kind === f.kind)
          .map((t) => resemblance(f.value, t.value, f.kind === 'name' ? 'the same display name' : `the same name as ${t.value}`, f.kind === 'name'))
          .find((w) => w !== undefined);
        if (hit)
          out.push({
            principalId: n.id,
            principalName,
            field: f.field,
            value: f.value,
            resembles: p.displayName ?? p.userPrincipalName ?? p.id,
            resemblesId: p.id,
            standing: p.roles.join(', ') || 'privileged role',
            why: hit,
          });
      }
    }
    for (const name of protectedNames) {
      if (!name.trim()) continue;
      for (const f of mine) {
        const hit = resemblance(f.value, name, 'the same name', f.kind === 'name');
        if (hit) out.push({ principalId: n.id, principalName, field: f.field, value: f.value, resembles: tidy(name), standing: 'protected name', why: hit });
      }
    }
  }
  return out;
}
