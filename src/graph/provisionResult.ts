/**
 * provisionOnDemand answers `{key, value}` where both are strings that may hold JSON, in (at least) two
 * shapes: the generic docs' `key` = `{"result":…,"details":{…}}` with `value` = a JSON object, and the CTS
 * guide's `key` = a type name with `value` = a JSON array. Anything else must still give a usable answer.
 */

export type ProvisionOutcome = 'success' | 'warning' | 'skipped' | 'failure' | 'unknown';

export interface ProvisionStep {
  name: string | null;
  /** Import, Matching, Scoping, Export… */
  type: string | null;
  status: string | null;
  description: string | null;
  details: Record<string, string>;
}

export interface ProvisionOnDemandResult {
  outcome: ProvisionOutcome;
  /** What the engine did to the target: Create, Update, Delete, Other, or null if it did not say. */
  action: string | null;
  steps: ProvisionStep[];
  errorCode: string | null;
  /** The failed (or last) step's description, for the card. */
  summary: string | null;
  targetId: string | null;
  /** False when neither key nor value could be read: show "result unknown, check provisioning logs". */
  understood: boolean;
  /** Graph's `request-id` of the call, for the audit record. */
  requestId?: string;
}

export function parseProvisionOnDemand(raw: { key?: string | null; value?: string | null }): ProvisionOnDemandResult {
  const key = tryJson(raw.key);
  const valueJson = tryJson(raw.value);
  const entries: Record<string, unknown>[] = Array.isArray(valueJson) ? valueJson.filter(isObject) : isObject(valueJson) ? [valueJson] : [];

  const steps: ProvisionStep[] = [];
  let action: string | null = null;
  let statusFromValue: string | null = null;
  let errorCode: string | null = null;
  let targetId: string | null = null;
  for (const e of entries) {
    action ??= str(e.action);
    const statusInfo = e.statusInfo;
    if (isObject(statusInfo)) {
      statusFromValue ??= str(statusInfo.status);
      const info = statusInfo.errorInformation;
      if (isObject(info)) errorCode ??= str(info.errorCode);
    }
    if (isObject(e.targetIdentity)) targetId ??= str(e.targetIdentity.id);
    const rawSteps = e.provisioningSteps ?? e.steps;
    if (Array.isArray(rawSteps)) {
      for (const s of rawSteps.filter(isObject)) {
        steps.push({
          name: str(s.name),
          type: str(s.type) ?? str(s.provisioningStepType),
          status: str(s.status),
          description: str(s.description),
          details: stringRecord(s.details),
        });
      }
    }
  }

  let resultFromKey: string | null = null;
  if (isObject(key)) {
    resultFromKey = str(key.result);
    if (isObject(key.details)) errorCode ??= str(key.details.errorCode);
  }
  const failedStep = steps.find((s) => normalise(s.status) === 'failure');
  errorCode ??= failedStep ? (failedStep.details.errorCode ?? failedStep.details.ErrorCode ?? null) : null;

  let outcome = normalise(resultFromKey) ?? normalise(statusFromValue);
  if (!outcome && steps.length) {
    if (failedStep) outcome = 'failure';
    else if (steps.some((s) => normalise(s.status) === 'skipped')) outcome = 'skipped';
    else if (steps.some((s) => normalise(s.status) === 'warning')) outcome = 'warning';
    else if (steps.every((s) => normalise(s.status) === 'success')) outcome = 'success';
  }

  // The CTS shape carries no `action`: read it from the export step's name (EntryExportAdd…). UNVERIFIED: the CTS
  // guide's example is cut before its export step; the names come from the generic docs' examples.
  if (!action) {
    const exportStep = [...steps].reverse().find((s) => /export/i.test(s.type ?? '') && normalise(s.status) === 'success');
    const verb = /^EntryExport(Add|Update|Delete|Disable)$/i.exec(exportStep?.name ?? '')?.[1]?.toLowerCase();
    action = verb === 'add' ? 'Create' : verb ? verb[0].toUpperCase() + verb.slice(1) : null;
  }
  const summaryStep = failedStep ?? steps[steps.length - 1];
  return {
    outcome: outcome ?? 'unknown',
    action,
    steps,
    errorCode,
    summary: summaryStep?.description ?? null,
    targetId,
    understood: isObject(key) || entries.length > 0,
  };
}

function normalise(s: string | null | undefined): Exclude<ProvisionOutcome, 'unknown'> | null {
  switch ((s ?? '').toLowerCase()) {
    case 'success':
    case 'succeeded':
      return 'success';
    case 'warning':
      return 'warning';
    case 'skipped':
      return 'skipped';
    case 'failure':
    case 'failed':
    case 'error':
      return 'failure';
    default:
      return null;
  }
}

function tryJson(s: string | null | undefined): unknown {
  if (typeof s !== 'string') return undefined;
  const t = s.trim();
  if (!t.startsWith('{') && !t.startsWith('[')) return t;
  try {
    return JSON.parse(t);
  } catch {
    return t;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;
}

/** Step details come as an object of strings, a JSON string, or a list of {key,value}. */
function stringRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const parsed = typeof v === 'string' ? tryJson(v) : v;
  if (Array.isArray(parsed)) {
    for (const kv of parsed.filter(isObject)) {
      const k = str(kv.key);
      const val = str(kv.value);
      if (k && val !== null) out[k] = val;
    }
  } else if (isObject(parsed)) {
    for (const [k, val] of Object.entries(parsed)) {
      const s = str(val) ?? (val === null || val === undefined ? null : JSON.stringify(val));
      if (s !== null) out[k] = s;
    }
  }
  return out;
}
