import { z } from 'zod';
import { DriftDetailsSchema, type DriftDetails } from './drift';
import { describeIncident, type Incident, type IncidentAction, type IncidentEvent, type IncidentKind, type JobObservation } from './incidents';

/**
 * An alert: what the cards of one incident say, beyond the incident itself (who acknowledged it, who allowed the
 * held-back deletions, what action was taken), and its version (every change a person should see raises it). Pure:
 * folding detector events into the alert and turning it into words for a card happen here; delivery is the outbox's.
 */

const ActorSchema = z.object({ aadObjectId: z.string(), name: z.string() });

export const AlertSchema = z.object({
  incident: z.custom<Incident>((v) => !!v && typeof v === 'object' && typeof (v as Incident).id === 'string' && typeof (v as Incident).kind === 'string'),
  status: z.enum(['open', 'resolved']),
  resolvedAt: z.string().optional(),
  durationMs: z.number().optional(),
  lastChange: z.string().optional(),
  troubleshootingUrl: z.string().optional(),
  stagedDeletes: z
    .object({
      count: z.number(),
      /** True when `count` is a lower bound (the logs were not read to the end and the error gave no number). */
      more: z.boolean(),
      names: z.array(z.string()),
      threshold: z.number().optional(),
      /** The threshold is on without a value: the portal's default applies. */
      thresholdDefaulted: z.boolean().optional(),
    })
    .optional(),
  /** The one "Allow deletes" for this incident: claimed by CAS before ForceDeletes is sent, then its read-back. */
  allowDeletes: z
    .object({
      /** Random per claim: tells the winning click from a later one by the same person in the same second. */
      claim: z.string(),
      by: ActorSchema,
      at: z.string(),
      count: z.number().optional(),
      outcome: z.object({ ok: z.boolean(), message: z.string(), stillQuarantined: z.boolean().optional() }).optional(),
    })
    .optional(),
  acknowledged: z.object({ by: ActorSchema, at: z.string(), note: z.string() }).optional(),
  actionTaken: z
    .object({ by: ActorSchema, at: z.string(), action: z.string(), ok: z.boolean(), message: z.string(), stillOpenAt: z.string().optional() })
    .optional(),
  /** A drift incident's settings (kind `drift` only): what drifted, who changed it, scope growth. */
  drift: DriftDetailsSchema.optional(),
  version: z.number().int().min(1),
});
export type AlertState = z.infer<typeof AlertSchema>;
export type StagedDeletes = NonNullable<AlertState['stagedDeletes']>;

/** Everything an alert card shows, in words; the Teams layer turns it into a card. */
export interface AlertView {
  incidentId: string;
  configuration: string;
  sourceTenant: string;
  targetTenant: string;
  kind: IncidentKind;
  title: string;
  explanation: string;
  whatToDo: string;
  errorCode?: string;
  errorMessage?: string;
  openedAt: string;
  nextAttempt?: string;
  seriesCount?: number;
  troubleshootingUrl?: string;
  status: 'open' | 'resolved';
  resolvedAt?: string;
  durationMinutes?: number;
  lastChange?: string;
  stagedDeletes?: StagedDeletes;
  /** Who allowed the deletions and what the job showed afterwards. */
  allowDeletes?: { by: string; at: string; count?: number; outcome?: { ok: boolean; message: string; stillQuarantined?: boolean } };
  acknowledged?: { by: string; at: string; note: string };
  /** `stillOpenAt`: a poll after the action still saw the incident, so the action did not resolve it. */
  actionTaken?: { by: string; at: string; action: string; ok: boolean; message: string; stillOpenAt?: string };
  /** Buttons to offer (none once resolved). */
  actions: IncidentAction[];
  /** Kind `drift`: the drifted settings, each with its fix and who changed it when known. */
  drift?: DriftDetails;
  version: number;
}

export interface FoldedAlert {
  alert?: AlertState;
  /** Ids of incidents this fold closed (an alert replaced by a newly opened one). */
  closed: string[];
  /** Something a person should see changed (the version was raised). */
  changed: boolean;
}

/** The detector's events for one observation, folded into the job's alert. */
export function foldAlert(current: AlertState | undefined, events: IncidentEvent[], observation: JobObservation, troubleshootingUrl?: string): FoldedAlert {
  let alert = current;
  const closed: string[] = [];
  for (const event of events) {
    if (event.type === 'opened') {
      if (alert) closed.push(alert.incident.id);
      alert = stripUndefined({ incident: event.incident, status: 'open' as const, version: 1, troubleshootingUrl });
    } else if (alert && event.type === 'changed') {
      const kindChanged = event.previous.kind !== event.incident.kind;
      alert = {
        ...alert,
        incident: event.incident,
        version: alert.version + 1,
        lastChange: event.changes.join('; '),
        troubleshootingUrl: troubleshootingUrl ?? alert.troubleshootingUrl,
        stagedDeletes: kindChanged ? undefined : alert.stagedDeletes,
      };
    } else if (alert && event.type === 'resolved') {
      alert = {
        ...alert,
        incident: event.incident,
        status: 'resolved',
        resolvedAt: event.resolvedAt,
        durationMs: event.durationMs,
        version: alert.version + 1,
      };
    }
  }
  // A fix that ran but left the job in the same trouble must say so on the card, even when nothing else changed.
  if (alert?.status === 'open' && alert.actionTaken?.ok && !alert.actionTaken.stillOpenAt && observation.observedAt > alert.actionTaken.at) {
    alert = { ...alert, actionTaken: { ...alert.actionTaken, stillOpenAt: observation.observedAt }, version: alert.version + 1 };
  }
  return { alert, closed, changed: alert !== current };
}

/**
 * The buttons an open alert offers: deletions are allowed once per incident, and when ForceDeletes left the job
 * quarantined the card offers Restart instead.
 */
export function actionsOf(alert: AlertState): IncidentAction[] {
  let actions = [...alert.incident.actions];
  if (alert.allowDeletes) actions = actions.filter((a) => a !== 'allowDeletes' && a !== 'keepBlocked');
  if (alert.allowDeletes?.outcome?.stillQuarantined && !actions.includes('restart')) actions.push('restart');
  return actions;
}

/** The alert in words; `names` are the configuration's and its tenants' display names. */
export function alertView(alert: AlertState, names: { configuration: string; sourceTenant: string; targetTenant: string }): AlertView {
  const incident = alert.incident;
  const words = describeIncident(incident);
  return stripUndefined({
    incidentId: incident.id,
    ...names,
    kind: incident.kind,
    title: words.title,
    explanation: words.explanation,
    whatToDo: words.whatToDo,
    errorCode: incident.errorCode,
    errorMessage: incident.errorMessage,
    openedAt: incident.openedAt,
    nextAttempt: incident.nextAttempt,
    seriesCount: incident.seriesCount,
    troubleshootingUrl: alert.troubleshootingUrl,
    status: alert.status,
    resolvedAt: alert.resolvedAt,
    durationMinutes: alert.durationMs !== undefined ? Math.max(1, Math.round(alert.durationMs / 60000)) : undefined,
    lastChange: alert.lastChange,
    stagedDeletes: alert.stagedDeletes,
    acknowledged: alert.acknowledged ? { by: alert.acknowledged.by.name, at: alert.acknowledged.at, note: alert.acknowledged.note } : undefined,
    actionTaken: alert.actionTaken ? stripUndefined({ ...alert.actionTaken, by: alert.actionTaken.by.name }) : undefined,
    allowDeletes: alert.allowDeletes
      ? stripUndefined({ by: alert.allowDeletes.by.name, at: alert.allowDeletes.at, count: alert.allowDeletes.count, outcome: alert.allowDeletes.outcome })
      : undefined,
    actions: alert.status === 'open' ? actionsOf(alert) : [],
    drift: alert.drift,
    version: alert.version,
  });
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
