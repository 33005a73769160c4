/** What the doctor's verdict rests on, as a fingerprint, and which checks got worse between two runs (drift alerts). */
import type { CheckId, CheckStatus, Finding, MappingView } from './doctor';

/** What the doctor's verdict for one configuration depends on; when the fingerprint changes, run the checks again. */
export interface DoctorInputs {
  policies: {
    target: { exists: boolean; isSyncAllowed: boolean | null; inboundAllowed: boolean | null; b2bInboundAccess: string | null };
    source: { exists: boolean; outboundAllowed: boolean | null };
  };
  threshold: { enabled: boolean; value: number | null };
  syncAll: boolean | null;
  /** Hash or version of the schema's mappings (see mappingsHash). */
  schemaMappingHash: string;
  assignedGroupCount: number;
  scopeSize: number;
}

/** A stable string of the inputs: key order and case of the caller's object do not matter. */
export function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const o = value as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .filter((k) => o[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}

/** FNV-1a 64-bit over the UTF-16 units: short, stable, no I/O (not for security). */
export function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * prime) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

export function doctorFingerprint(inputs: DoctorInputs): string {
  return fnv1a64(canonical(inputs));
}

/** Mappings in order-independent form, so a reordered but equal schema hashes the same. */
export function mappingsHash(mappings: readonly MappingView[]): string {
  return fnv1a64(canonical([...mappings].map((m) => canonical(m)).sort()));
}

export interface Drift {
  /** Checks that passed before and now warn or fail. */
  worsened: { id: CheckId; tenant?: string; title: string; from: CheckStatus; to: CheckStatus; found: string; fix: string }[];
  scopeGrowth: { from: number; to: number; percent: number } | null;
}

const key = (f: { id: CheckId; tenant?: string }) => `${f.id}|${(f.tenant ?? '').toLowerCase()}`;

/**
 * What changed for the worse between two runs: checks that turned pass → warn/fail, and scope growth above
 * `growthPercent` (from an empty scope, any growth counts). A check absent before is not drift (new check).
 */
export function driftBetween(
  previousFindings: readonly Finding[],
  currentFindings: readonly Finding[],
  previousScopeSize: number,
  currentScopeSize: number,
  growthPercent: number,
): Drift {
  const before = new Map(previousFindings.map((f) => [key(f), f]));
  const worsened: Drift['worsened'] = [];
  for (const f of currentFindings) {
    const was = before.get(key(f));
    if (was?.status === 'pass' && (f.status === 'warn' || f.status === 'fail')) {
      worsened.push({
        id: f.id,
        ...(f.tenant !== undefined ? { tenant: f.tenant } : {}),
        title: f.title,
        from: was.status,
        to: f.status,
        found: f.found,
        fix: f.fix,
      });
    }
  }
  let scopeGrowth: Drift['scopeGrowth'] = null;
  if (currentScopeSize > previousScopeSize) {
    const percent = previousScopeSize > 0 ? ((currentScopeSize - previousScopeSize) / previousScopeSize) * 100 : Infinity;
    if (percent > growthPercent)
      scopeGrowth = { from: previousScopeSize, to: currentScopeSize, percent: Number.isFinite(percent) ? Math.round(percent * 10) / 10 : percent };
  }
  return { worsened, scopeGrowth };
}
