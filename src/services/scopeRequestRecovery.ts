/**
 * The sweeps that run outside a turn: expiry of requests nobody decided, and finishing what a crash left behind. Both
 * walk the per-request markers and move each record only by a CAS through the domain's `decide`.
 */
import { SYSTEM_ACTOR, decide, isTerminal, type ScopeRequest } from '../domain/scopeRequests';
import type { Clock } from '../domain/clock';
import { updateWithCasDetailed, type Storage } from '../store';
import type { ScopeRequestAudit } from './scopeRequestAudit';
import { parseStoredScopeRequest, requestKey, type StoredScopeRequest } from './scopeRequestRecords';
import { RESERVATION_GRACE_MS, type OpenRequests } from './openRequests';

/** What the sweeps need from the approvals service. */
export interface RecoveryContext {
  storage: Storage;
  clock: Clock;
  index: OpenRequests;
  audit: ScopeRequestAudit;
  readSafely(id: string): Promise<StoredScopeRequest | undefined>;
  /** Carries out an `executing` request, reading Graph first; tracked as background work by the caller. */
  execute(record: StoredScopeRequest): Promise<StoredScopeRequest>;
  emit(record: StoredScopeRequest): void;
}

/**
 * Finishes requests a crash left behind: `executing` (or `approved`, if the crash came between the two) is finished
 * by reading Graph first. `minAgeMs` leaves alone executions another instance may still be running.
 */
export async function reconcileRequests(ctx: RecoveryContext, options: { minAgeMs?: number } = {}): Promise<StoredScopeRequest[]> {
  const now = ctx.clock.now();
  const out: StoredScopeRequest[] = [];
  const open: ScopeRequest[] = [];
  const ended = new Set<string>();
  const index = await ctx.index.readIndex();
  for (const id of await ctx.index.openIds()) {
    let rec = await ctx.readSafely(id);
    if (!rec) {
      const entry = index?.entries.find((e) => e.id === id);
      if (entry && now - Date.parse(entry.createdAt) > RESERVATION_GRACE_MS) ended.add(id);
      continue;
    }
    if (isTerminal(rec.request.status)) {
      ended.add(id);
      // Its marker is still here: the process may have died before the audit events were written. They have fixed
      // ids, so writing them again finds them instead of doubling them.
      const audited = (await ctx.audit.auditDecision(rec)) && (await ctx.audit.auditExecution(rec, 'reconcile'));
      await ctx.index.settle(rec.request, audited);
      continue;
    }
    open.push(rec.request);
    if (rec.request.status === 'pending') continue;
    if (rec.request.decision) await ctx.audit.auditDecision(rec);
    if (rec.request.status === 'approved') {
      const begun = await updateWithCasDetailed<StoredScopeRequest>(ctx.storage, requestKey(id), (cur) => {
        const r = cur && parseStoredScopeRequest(cur);
        if (!r) return 'abort';
        const d = decide(r.request, { type: 'beginExecution' }, { now, actor: SYSTEM_ACTOR, actorPermissions: [], needsDeletesAllow: false });
        return d.ok ? { ...r, request: d.next } : 'abort';
      });
      if (begun.outcome !== 'committed') continue;
      rec = parseStoredScopeRequest(begun.item)!;
    }
    const started = Date.parse(rec.request.execution?.startedAt ?? rec.request.createdAt);
    if (now - started < (options.minAgeMs ?? 0)) continue;
    out.push(await ctx.execute(rec));
  }
  await ctx.index.repairIndex(open, ended);
  return out;
}

/** Expires every pending request past its time; each expiry updates its cards through the listeners. */
export async function expireDueRequests(ctx: RecoveryContext): Promise<StoredScopeRequest[]> {
  const now = ctx.clock.now();
  const out: StoredScopeRequest[] = [];
  for (const id of await ctx.index.openIds()) {
    const seen = await ctx.readSafely(id);
    if (!seen) continue;
    if (seen.request.status !== 'pending' || Date.parse(seen.request.expiresAt) > now) continue;
    const r = await updateWithCasDetailed<StoredScopeRequest>(ctx.storage, requestKey(id), (cur) => {
      const rec = cur && parseStoredScopeRequest(cur);
      if (!rec) return 'abort';
      const d = decide(rec.request, { type: 'expire' }, { now, actor: SYSTEM_ACTOR, actorPermissions: [], needsDeletesAllow: false });
      return d.ok ? { ...rec, request: d.next } : 'abort';
    });
    const rec = r.item && parseStoredScopeRequest(r.item);
    if (!rec || r.outcome !== 'committed') continue;
    await ctx.audit.auditEvent(SYSTEM_ACTOR, 'scope.expired', rec, 'ok', `no decision by ${rec.request.expiresAt}`);
    ctx.emit(rec);
    await ctx.index.settle(rec.request);
    out.push(rec);
  }
  return out;
}
