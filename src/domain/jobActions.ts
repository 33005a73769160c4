/**
 * What an operator can do to a sync job, and the rules around it: the one list of restart scopes, Graph's resetScope
 * for each, the words a confirmation shows, the permission each action needs, and which alert button runs which
 * action. Pure: the Graph call lives in services/operations.
 */
import type { AuditAction } from './audit';
import type { IncidentAction } from './incidents';
import type { Permission } from './permissions';

/** Every restart a job action may carry. `forceDeletes` is the deletion-threshold "Allow deletes". */
export const JOB_RESTART_SCOPES = ['default', 'full', 'quarantine', 'escrows', 'watermark', 'forceDeletes'] as const;
export type JobRestartScope = (typeof JOB_RESTART_SCOPES)[number];
/** The restarts a typed command may name (`forceDeletes` comes only from an alert's button). */
export type RestartScope = Exclude<JobRestartScope, 'forceDeletes'>;

/**
 * What `restart` offers. Not `full`: Graph's Full includes ConnectorDataStore, which Microsoft says not to use
 * without Microsoft Support (restart criteria reference), so the bot never sends it.
 */
export const RESTART_SCOPES: readonly RestartScope[] = ['default', 'quarantine', 'escrows', 'watermark'];
export const FULL_RESTART_REFUSAL =
  '"full" is not offered: Graph\'s Full reset includes ConnectorDataStore, which clears the connector cache for all users, and Microsoft says "don\'t use it without Microsoft Support". Use "restart <configuration>" (the portal\'s restart) or "restart <configuration> watermark" to re-evaluate every object.';

export type JobAction = { kind: 'start' } | { kind: 'pause' } | { kind: 'restart'; scope: JobRestartScope };

/** Graph's resetScope for each restart choice (reference §1; "default" is the portal's Restart provisioning). */
export const RESET_SCOPE: Readonly<Record<JobRestartScope, string>> = {
  default: 'Watermark, Escrows, QuarantineState',
  full: 'Full',
  quarantine: 'QuarantineState',
  escrows: 'Escrows',
  watermark: 'Watermark',
  forceDeletes: 'ForceDeletes',
};

export const RESTART_WORDS: Readonly<Record<JobRestartScope, string>> = {
  default: 'lifts quarantine, drops queued retries and re-evaluates every object (the portal\'s "Restart provisioning")',
  full: 'resets everything, including the connector cache, and re-evaluates every object. Microsoft advises this only with Support: prefer the default restart',
  quarantine: 'lifts the quarantine and resumes the schedule',
  escrows: 'drops the queued retries of failed objects',
  watermark: 'makes the next cycle re-evaluate every object, not only changes',
  forceDeletes: 'lets the deletions held back by the accidental-deletion threshold go through on the next cycle',
};

export function isJobRestartScope(value: string): value is JobRestartScope {
  return (JOB_RESTART_SCOPES as readonly string[]).includes(value);
}

export function describeAction(action: JobAction): string {
  if (action.kind !== 'restart') return action.kind;
  return action.scope === 'default' ? 'restart' : action.scope === 'forceDeletes' ? 'allow deletes' : `restart (${action.scope})`;
}

/** The audit action of a job action: allowing deletes is audited as its own action, as it is its own permission. */
export function auditActionOf(action: JobAction): AuditAction {
  if (action.kind === 'restart') return action.scope === 'forceDeletes' ? 'job.allowDeletes' : 'job.restart';
  return action.kind === 'start' ? 'job.start' : 'job.pause';
}

/** Letting held-back deletions through is its own permission; everything else done to a job is `sync.operate`. */
export function permissionFor(action: JobAction): Permission {
  return action.kind === 'restart' && action.scope === 'forceDeletes' ? 'deletes.allow' : 'sync.operate';
}

/** The job action an alert's button runs; the other buttons (show failures, keep blocked) touch no job. */
export const INCIDENT_JOB_ACTIONS: Readonly<Partial<Record<IncidentAction, JobAction>>> = {
  restart: { kind: 'restart', scope: 'default' },
  pause: { kind: 'pause' },
  start: { kind: 'start' },
  allowDeletes: { kind: 'restart', scope: 'forceDeletes' },
};
