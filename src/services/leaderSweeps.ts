/**
 * What the leader finishes after a crash, at start-up and then every minute: requests and job operations a crash left
 * `executing` (settled by reading Graph, never by sending again), approval cards left unsent, expired requests, scope
 * reviews past their deadline or due by schedule. Only the leader sweeps, so two instances never settle the same
 * execution at once (the CAS would stop a double write, but not the duplicated Graph reads and calls).
 */
import type { Logger } from '../logger';
import type { AuditLog } from '../store';
import type { OperationsService } from './operations';
import type { ScopeReviews } from './scopeReview';
import type { ScopeRequestService } from './scopeRequests';

export interface LeaderSweepDeps {
  leader: { isLeader(): boolean };
  audit: Pick<AuditLog, 'repair'>;
  approvals: Pick<ScopeRequestService, 'reconcile' | 'pending' | 'expireDue'>;
  operations: Pick<OperationsService, 'reconcile'>;
  reviews: Pick<ScopeReviews, 'sweep'>;
  /** Brings every copy of a request's card up to date (the outbox). */
  flushApproval: (id: string) => Promise<void>;
  logger: Logger;
}

/** Runs the start-up recovery, then the sweep every minute while this instance leads; `stop` ends it. */
export async function startLeaderSweeps(deps: LeaderSweepDeps): Promise<{ stop: () => void }> {
  const { leader, audit, approvals, operations, reviews, flushApproval, logger } = deps;
  // Requests a crash left `executing` are finished by reading Graph before anything is sent again.
  // Only the leader sweeps, so two instances never finish the same execution at once (the CAS would stop a double
  // write, but not the duplicated Graph reads and calls).
  // Audit events a crash (or an unreadable index chunk) left out of the index are indexed again from the events.
  await audit.repair().catch((err) => logger.error({ err }, 'audit repair failed'));
  if (leader.isLeader()) await approvals.reconcile().catch((err) => logger.error({ err }, 'approval reconcile failed'));
  // Approval cards a crash left unsent (or a send left pending) go out now and on every sweep.
  const flushOpenApprovals = async () => {
    for (const rec of await approvals.pending()) await flushApproval(rec.request.id);
  };
  if (leader.isLeader()) await flushOpenApprovals().catch((err) => logger.error({ err }, 'approval card flush failed'));
  // Job operations a crash left `executing` are settled by reading the job; unwritten audit events are written.
  if (leader.isLeader()) await operations.reconcile().catch((err) => logger.error({ err }, 'operation reconcile failed'));
  // Scope reviews: deadlines past, removals a crash left owed, cards left unsent, the schedule.
  if (leader.isLeader()) await reviews.sweep().catch((err) => logger.error({ err }, 'scope review sweep failed'));
  const timer = setInterval(() => {
    if (!leader.isLeader()) return;
    void approvals
      .expireDue()
      .then(() => approvals.reconcile({ minAgeMs: 15 * 60_000 }))
      .then(() => operations.reconcile({ minAgeMs: 15 * 60_000 }))
      .then(flushOpenApprovals)
      .then(() => reviews.sweep())
      .catch((err) => logger.error({ err }, 'approval sweep failed'));
  }, 60_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
