import { z } from 'zod';

/**
 * Audit events: what happened, by whom, to what. The store keeps them (store/audit.ts); teams and services read and
 * write them through the two ports below, so neither needs the store.
 */

export const AUDIT_SCHEMA_VERSION = 1;

export const actorSchema = z.union([z.literal('system'), z.object({ aadObjectId: z.string().min(1), name: z.string().optional() }).strict()]);

export const auditRecordSchema = z
  .object({
    schemaVersion: z.literal(AUDIT_SCHEMA_VERSION),
    id: z.string().min(1),
    at: z.string().datetime(),
    actor: actorSchema,
    action: z.string().min(1),
    configuration: z.string().optional(),
    target: z.string().optional(),
    outcome: z.enum(['ok', 'refused', 'failed']),
    detail: z.string().optional(),
    graphRequestId: z.string().optional(),
  })
  .strict();

export type AuditRecord = z.infer<typeof auditRecordSchema>;
export type AuditActor = z.infer<typeof actorSchema>;
/** What append takes: an action name from AUDIT_ACTIONS (a stored record's action is read as any string, so an older record is never dropped for its name). */
export type AuditInput = Omit<AuditRecord, 'schemaVersion' | 'id' | 'at' | 'action'> & { action: AuditAction };
export interface AuditFilter {
  configuration?: string;
  action?: string;
}

/** Reads the newest events first. */
export interface AuditReader {
  last(n: number, filter?: AuditFilter): Promise<AuditRecord[]>;
}

export interface AuditWriter {
  append(input: AuditInput): Promise<AuditRecord>;
}

/**
 * Every action name the audit log records. One union so a misspelt action fails to compile instead of writing an
 * event no filter or report finds.
 */
export const AUDIT_ACTIONS = [
  'access.refused',
  'audit.exported',
  'deletes.keepBlocked',
  'job.start',
  'job.pause',
  'job.restart',
  'job.allowDeletes',
  'job.provisionOnDemand',
  'scope.requested',
  // A decision refused before it was taken (not allowed, already decided): the verb the caller used.
  'scope.approve',
  'scope.reject',
  'scope.cancel',
  // The decision and its execution, written from the stored request.
  'scope.approved',
  'scope.rejected',
  'scope.cancelled',
  'scope.expired',
  'scope.executed',
  // Periodic scope review (services/scopeReview): one started and one completed per review, one decided per item.
  'review.started',
  'review.decided',
  'review.completed',
  'subscriptions.subscribe',
  'subscriptions.unsubscribe',
  'subscriptions.deactivate',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export function isAuditAction(value: string): value is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(value);
}
