/**
 * Shape comparison between a documented Graph answer (a fixture) and the simulator's answer to the same request:
 * same keys, same JSON types, same null-ness, same casing of enum-like strings. Values themselves may differ.
 */

export interface ShapeOptions {
  /** Paths compared by JSON type only (`a.b[].c`): free-form bags such as `details`. */
  opaque?: string[];
  /** For arrays of differing items: pair each fixture item with the simulator item having the same value of this key. */
  match?: Record<string, string>;
  /** Paths holding a JSON-encoded string: both sides are parsed and compared as JSON. */
  jsonStrings?: string[];
}

/** Keys whose string values are enum members: their casing is part of the contract. */
const ENUM_KEYS = new Set([
  'code',
  'state',
  'reason',
  'provisioningAction',
  'provisioningStepType',
  'status',
  'identityType',
  'initiatorType',
  'templateId',
  'type',
  'result',
  'action',
  'units',
  'origin',
  'errorCategory',
]);

const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const casing = (s: string) => (/^[a-z]/.test(s) ? 'lower' : /^[A-Z]/.test(s) ? 'upper' : 'other');

export function shapeDiff(fixture: unknown, sim: unknown, options: ShapeOptions = {}, path = ''): string[] {
  const at = path || '(root)';
  if (options.jsonStrings?.includes(path) && typeof fixture === 'string' && typeof sim === 'string') {
    const parse = (s: string) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        return s;
      }
    };
    const [f, s] = [parse(fixture), parse(sim)];
    if (typeof f === 'string' || typeof s === 'string') {
      return kind(f) === kind(s) && f === s
        ? []
        : typeof f === 'string' && typeof s === 'string'
          ? []
          : [`${at}: fixture holds ${kind(f)} JSON, simulator ${kind(s)}`];
    }
    return shapeDiff(f, s, options, path);
  }
  if (kind(fixture) !== kind(sim)) return [`${at}: fixture is ${kind(fixture)}, simulator ${kind(sim)}`];
  if (options.opaque?.includes(path)) return [];
  if (typeof fixture === 'string') {
    const key = path.split('.').pop()!.replace('[]', '');
    return ENUM_KEYS.has(key) && casing(fixture) !== casing(sim as string) ? [`${at}: enum casing differs ("${fixture}" vs "${sim as string}")`] : [];
  }
  if (Array.isArray(fixture)) {
    const items = sim as unknown[];
    if (fixture.length === 0) return [];
    const by = options.match?.[`${path}[]`];
    const out: string[] = [];
    for (const f of fixture) {
      const partner = by ? items.find((s) => (s as Record<string, unknown>)?.[by] === (f as Record<string, unknown>)?.[by]) : items[0];
      if (partner === undefined) {
        out.push(`${at}[]: the simulator has no item${by ? ` with ${by} = ${JSON.stringify((f as Record<string, unknown>)[by])}` : 's'}`);
        continue;
      }
      out.push(...shapeDiff(f, partner, options, `${path}[]`));
    }
    return out;
  }
  if (typeof fixture === 'object' && fixture !== null) {
    const f = fixture as Record<string, unknown>;
    const s = sim as Record<string, unknown>;
    const out: string[] = [];
    for (const k of Object.keys(f)) {
      if (!(k in s)) out.push(`${path ? `${path}.` : ''}${k}: missing in the simulator`);
      else out.push(...shapeDiff(f[k], s[k], options, path ? `${path}.${k}` : k));
    }
    for (const k of Object.keys(s)) if (!(k in f)) out.push(`${path ? `${path}.` : ''}${k}: the simulator has it, the documented shape does not`);
    return out;
  }
  return [];
}
