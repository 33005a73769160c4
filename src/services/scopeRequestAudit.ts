import { SYSTEM_ACTOR, type Person, type ScopeRequest } from '../domain/scopeRequests';
import type { AuditAction } from '../domain/audit';
import type { Logger } from '../logger';
import { AuditRewriteError, type AuditLog } from '../store';
import type { StoredScopeRequest } from './scopeRequestRecords';

/**
 * The audit events of a request. Decision and execution events are written from the record alone with a fixed id
 * and time, so writing one again (reconcile after a failed write) never makes a second event.
 */
export class ScopeRequestAudit {
  constructor(private readonly deps: { log: AuditLog; logger?: Logger }) {}

  /** The decision's audit event, from the record alone: one per request (fixed id and time), however often written. */
  async auditDecision(record: StoredScopeRequest): Promise<boolean> {
    const d = record.request.decision;
    if (!d || d.verdict === 'expired') return true;
    const detail = d.verdict === 'rejected' && d.reason ? d.reason : describePrincipals(record.request);
    return this.auditEvent(d.by, `scope.${d.verdict}`, record, 'ok', detail, undefined, { id: `${record.request.id}.${d.verdict}`, at: d.at });
  }

  /** The execution's audit event, from the record alone (fixed id and time, like the decision's). */
  async auditExecution(record: StoredScopeRequest, mode: 'fresh' | 'reconcile'): Promise<boolean> {
    const ex = record.request.execution;
    if (!ex?.finishedAt) return true;
    const results = ex.results ?? [];
    const failed = record.request.status === 'failed';
    const detail = `${mode === 'reconcile' ? 'finished after a restart by reading Graph; ' : ''}${results.map((r) => `${nameOf(record.request, r.principalId)}: ${r.outcome}${r.error ? ` (${r.error})` : ''}`).join('; ')}${ex.error ? ex.error : ''}`;
    return this.auditEvent(SYSTEM_ACTOR, 'scope.executed', record, failed ? 'failed' : 'ok', detail, Object.values(record.graphRequestIds)[0], {
      id: `${record.request.id}.executed`,
      at: ex.finishedAt,
    });
  }

  async auditEvent(
    actor: Person,
    action: AuditAction,
    record: StoredScopeRequest,
    outcome: 'ok' | 'refused' | 'failed',
    detail: string,
    graphRequestId?: string,
    fixed?: { id: string; at: string },
  ): Promise<boolean> {
    const input = {
      actor: actor.aadObjectId === SYSTEM_ACTOR.aadObjectId ? ('system' as const) : { aadObjectId: actor.aadObjectId, name: actor.name },
      action,
      configuration: record.request.configuration,
      target: record.request.id,
      outcome,
      detail: detail.slice(0, 2000),
      ...(graphRequestId ? { graphRequestId } : {}),
    };
    try {
      if (fixed) await this.deps.log.appendRecord({ schemaVersion: 1, ...fixed, at: new Date(fixed.at).toISOString(), ...input });
      else await this.deps.log.append(input);
      return true;
    } catch (err) {
      if (err instanceof AuditRewriteError) return true;
      this.deps.logger?.error({ err, action, id: record.request.id }, fixed ? 'AUDIT WRITE FAILED; reconcile writes it again' : 'AUDIT WRITE FAILED');
      return false;
    }
  }
}

/** An admin reads the audit: a principal by its UPN or name, with the object id only when nothing else is known. */
function nameOf(r: Pick<ScopeRequest, 'principals'>, id: string): string {
  const p = r.principals.find((x) => x.id.toLowerCase() === id.toLowerCase());
  return p ? (p.userPrincipalName ?? p.displayName) : id;
}

export function describePrincipals(r: Pick<ScopeRequest, 'principals' | 'principalType'>): string {
  const names = r.principals.map((p) => p.userPrincipalName ?? p.displayName);
  const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? ` and ${names.length - 5} more` : '');
  return `${r.principalType === 'group' ? (names.length === 1 ? 'group' : 'groups') : names.length === 1 ? 'user' : 'users'} ${shown}`;
}
