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
  'subscriptions.subscribe',
  'subscriptions.unsubscribe',
  'subscriptions.deactivate',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export function isAuditAction(value: string): value is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(value);
}

/**
 * A literal action must be an AuditAction; a value typed only as `string` still passes, because services/approvals
 * builds its action in a helper typed `string` (to be typed `AuditAction` there, then this can become plain
 * AuditAction).
 */
export type CheckedAuditAction<A extends string> = string extends A ? string : A extends AuditAction ? A : never;
