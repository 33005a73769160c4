import { z } from 'zod';
import type { AlertState } from './alerts';
import { type CheckId, type Finding } from './doctor';
import { doctorFingerprint, driftBetween, type DoctorInputs } from './doctorInputs';

/**
 * Drift: between two runs of the doctor's checks for one configuration, a check that turned pass → warn/fail, or the
 * scope that grew by more than the estate's `scopeGrowthAlertPercent`. Pure: the baseline (fingerprint of the
 * doctor's inputs, the last known verdict of every watched check, the scope size) and the drift alert are folded
 * here; the drift watch (services/driftWatch.ts) reads, stores under CAS and delivers.
 */

/**
 * The checks drift watches: those over the settings the fingerprint covers (policies, threshold, scope mode, groups,
 * schema). The job's own state (quarantine, schedule, credentials) and the bot's token and permissions already raise
 * the monitor's alerts; watching them here would post a second card for the same trouble.
 */
export const DRIFT_CHECKS: ReadonlySet<CheckId> = new Set<CheckId>([
  'target.partner',
  'target.syncAllowed',
  'target.inboundConsent',
  'target.b2bInbound',
  'source.partner',
  'source.outboundConsent',
  'threshold',
  'scope.mode',
  'scope.nestedGroups',
  'schema.userType',
  'schema.showInAddressList',
  'schema.dynamicGroups',
]);

/**
 * Where the directory audit log can say who changed a check's setting: cross-tenant access policy changes are
 * logged under category `Policy` in the tenant that owns the policy. The sync job's settings (threshold, scope,
 * schema) are not looked up: no page we could read says under which category and activity they are logged.
 */
export function auditSourceOf(id: CheckId): { side: 'source' | 'target'; category: 'Policy' } | null {
  if (id.startsWith('target.')) return { side: 'target', category: 'Policy' };
  if (id.startsWith('source.')) return { side: 'source', category: 'Policy' };
  return null;
}

const Verdict = z.enum(['pass', 'warn', 'fail']);
type Verdict = z.infer<typeof Verdict>;

export const DriftBaselineSchema = z.object({
  /** doctorFingerprint of the inputs at the last check that could read them all; null until one could. */
  fingerprint: z.string().nullable(),
  /** `<check id>|<tenant>` → the last verdict known ('unknown' never overwrites one). */
  verdicts: z.record(Verdict),
  scopeSize: z.number().nullable(),
  checkedAt: z.string(),
});
export type DriftBaseline = z.infer<typeof DriftBaselineSchema>;

/** Who changed a drifted setting, as the directory audit log says, or why it could not say. */
export const DriftActorSchema = z.union([
  z.object({ known: z.literal(true), name: z.string(), at: z.string(), activity: z.string().optional() }),
  z.object({ known: z.literal(false), reason: z.string() }),
]);
export type DriftActor = z.infer<typeof DriftActorSchema>;

export const DriftItemSchema = z.object({
  key: z.string(),
  id: z.string(),
  tenant: z.string().optional(),
  title: z.string(),
  from: Verdict,
  to: Verdict,
  found: z.string(),
  fix: z.string(),
  /** The check that first saw it. */
  since: z.string(),
  /** The check before: the change happened after this, so the audit log is read from here. */
  windowStart: z.string(),
  restoredAt: z.string().optional(),
  /** Absent: not looked up yet (the watch retries at the next check), or a check the audit log cannot name. */
  actor: DriftActorSchema.optional(),
});
export type DriftItem = z.infer<typeof DriftItemSchema>;

export const DriftDetailsSchema = z.object({
  items: z.array(DriftItemSchema),
  scopeGrowth: z
    .object({
      from: z.number(),
      to: z.number(),
      /** Null when the scope grew from empty (any growth counts). */
      percent: z.number().nullable(),
      at: z.string(),
      /** The first later check that did not grow beyond the threshold: the growth part is resolved. */
      settledAt: z.string().optional(),
    })
    .optional(),
});
export type DriftDetails = z.infer<typeof DriftDetailsSchema>;

export const verdictKey = (f: { id: string; tenant?: string }) => `${f.id}|${(f.tenant ?? '').toLowerCase()}`;

export interface DriftCheck {
  /** Every finding of this run of the doctor for the configuration. */
  findings: readonly Finding[];
  /** Null when a read failed: the fingerprint and scope size are kept from before. */
  inputs: DoctorInputs | null;
  /** ISO time of this check. */
  at: string;
  growthPercent: number;
}

export interface DriftFold {
  baseline: DriftBaseline;
  alert?: AlertState;
  /** Id of a resolved drift incident replaced by a newly opened one. */
  closed: string[];
  /** The alert changed in a way a person should see (its version was raised). */
  changed: boolean;
  event?: 'opened' | 'changed' | 'resolved';
}

/** The drift incident's id: `<configuration>@drift@<openedAt>` (the configuration first, like every incident's). */
export const driftIncidentId = (configuration: string, at: string) => `${configuration}@drift@${at}`;

/**
 * One check folded into the baseline and the drift alert. The first check only records the baseline. A drifted
 * check stays on the card until it passes again (then it is marked restored); the alert resolves when every drifted
 * check is restored and scope growth, if any, has settled (a later check that did not grow beyond the threshold).
 */
export function foldDrift(configuration: string, baseline: DriftBaseline | undefined, current: AlertState | undefined, check: DriftCheck): DriftFold {
  const watched = check.findings.filter((f) => DRIFT_CHECKS.has(f.id));
  const verdicts: Record<string, Verdict> = { ...(baseline?.verdicts ?? {}) };
  for (const f of watched) if (f.status !== 'unknown') verdicts[verdictKey(f)] = f.status;
  const next: DriftBaseline = {
    fingerprint: check.inputs ? doctorFingerprint(check.inputs) : (baseline?.fingerprint ?? null),
    verdicts,
    scopeSize: check.inputs?.scopeSize ?? baseline?.scopeSize ?? null,
    checkedAt: check.at,
  };
  if (!baseline) return { baseline: next, alert: current, closed: [], changed: false };

  const previous = Object.entries(baseline.verdicts).map(([k, status]) => {
    const [id, tenant] = k.split('|');
    return { id: id as CheckId, ...(tenant ? { tenant } : {}), status, title: '', found: '', fix: '' };
  });
  const sizes = baseline.scopeSize !== null && check.inputs ? [baseline.scopeSize, check.inputs.scopeSize] : [0, 0];
  const drift = driftBetween(previous, watched, sizes[0], sizes[1], check.growthPercent);

  const open = current?.status === 'open' ? current : undefined;
  const items = [...(open?.drift?.items ?? [])];
  let scopeGrowth = open?.drift?.scopeGrowth;
  const changes: string[] = [];

  for (const w of drift.worsened) {
    const k = verdictKey(w);
    const fresh: DriftItem = {
      key: k,
      id: w.id,
      ...(w.tenant !== undefined ? { tenant: w.tenant } : {}),
      title: w.title,
      from: 'pass',
      to: w.to as Verdict,
      found: w.found,
      fix: w.fix,
      since: check.at,
      windowStart: baseline.checkedAt,
    };
    const i = items.findIndex((x) => x.key === k);
    if (i >= 0) items[i] = fresh;
    else items.push(fresh);
    changes.push(`${w.title}: now ${w.to}`);
  }
  const now = new Map(watched.map((f) => [verdictKey(f), f]));
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const f = now.get(item.key);
    if (item.restoredAt || drift.worsened.some((w) => verdictKey(w) === item.key)) continue;
    if (!f) {
      // The check is no longer made (a partner or tenant left the configuration): nothing is left to pass, so it settles.
      if (check.inputs) {
        items[i] = { ...item, restoredAt: check.at };
        changes.push(`${item.title}: no longer checked`);
      }
      continue;
    }
    if (f.status === 'pass') {
      items[i] = { ...item, restoredAt: check.at };
      changes.push(`${item.title}: passes again`);
    } else if ((f.status === 'warn' || f.status === 'fail') && (f.status !== item.to || f.found !== item.found)) {
      items[i] = { ...item, to: f.status, found: f.found, fix: f.fix };
      if (f.status !== item.to) changes.push(`${item.title}: now ${f.status}`);
    }
  }
  if (drift.scopeGrowth) {
    const g = drift.scopeGrowth;
    scopeGrowth = { from: g.from, to: g.to, percent: Number.isFinite(g.percent) ? g.percent : null, at: check.at };
    changes.push(`scope grew from ${g.from} to ${g.to}`);
  } else if (scopeGrowth && !scopeGrowth.settledAt && check.inputs) {
    scopeGrowth = { ...scopeGrowth, settledAt: check.at };
    changes.push('scope growth settled');
  }

  if (!open) {
    if (!drift.worsened.length && !drift.scopeGrowth) return { baseline: next, alert: current, closed: [], changed: false };
    const id = driftIncidentId(configuration, check.at);
    const alert: AlertState = {
      incident: { id, configuration, kind: 'drift', openedAt: check.at, updatedAt: check.at, actions: [] },
      status: 'open',
      version: 1,
      drift: { items, ...(scopeGrowth ? { scopeGrowth } : {}) },
    };
    return { baseline: next, alert, closed: current ? [current.incident.id] : [], changed: true, event: 'opened' };
  }
  if (!changes.length) {
    // Found texts may change quietly (a second nested group): stored, no new version.
    const quiet = JSON.stringify(items) !== JSON.stringify(open.drift?.items ?? []);
    return { baseline: next, alert: quiet ? { ...open, drift: { ...open.drift!, items } } : open, closed: [], changed: false };
  }
  const settled = items.every((x) => x.restoredAt) && (!scopeGrowth || !!scopeGrowth.settledAt);
  const drift2: DriftDetails = { items, ...(scopeGrowth ? { scopeGrowth } : {}) };
  const alert: AlertState = settled
    ? {
        ...open,
        incident: { ...open.incident, updatedAt: check.at },
        drift: drift2,
        status: 'resolved',
        resolvedAt: check.at,
        durationMs: Math.max(0, Date.parse(check.at) - Date.parse(open.incident.openedAt)),
        lastChange: changes.join('; '),
        version: open.version + 1,
      }
    : { ...open, incident: { ...open.incident, updatedAt: check.at }, drift: drift2, lastChange: changes.join('; '), version: open.version + 1 };
  return { baseline: next, alert, closed: [], changed: true, event: settled ? 'resolved' : 'changed' };
}

/** Records the audit log's answer for drifted items of the open incident; unchanged when it is no longer open. */
export function withActors(alert: AlertState, incidentId: string, actors: ReadonlyMap<string, DriftActor>): AlertState | undefined {
  if (alert.incident.id !== incidentId || !alert.drift) return undefined;
  let touched = false;
  const items = alert.drift.items.map((item) => {
    const actor = actors.get(item.key);
    if (!actor || item.actor) return item;
    touched = true;
    return { ...item, actor };
  });
  return touched ? { ...alert, drift: { ...alert.drift, items }, version: alert.version + 1 } : undefined;
}
