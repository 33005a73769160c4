/**
 * Scope-change requests: validated on creation, decided by an approver, carried out exactly once.
 *
 * Every transition is the domain's `decide` run inside a CAS on the request record: a click that loses a race re-reads
 * and decides again (and is told what happened), it never overwrites. Approval moves pending → approved → executing in
 * one write, so only the click that commits it calls Graph. The record says what happened, not what to do: a request
 * left `executing` by a crash is finished at start-up by READING Graph (is the assignment there?) before anything is
 * sent again.
 */
import { randomInt } from 'node:crypto';
import type { Storage } from '../store';
import type { SyncConfiguration } from '../config';
import {
  DEFAULT_EXPIRES_AFTER_HOURS,
  SYSTEM_ACTOR,
  createRequest,
  decide,
  isExpired,
  isTerminal,
  newRequestId,
  requiresDeletesAllow,
  type ApprovalAction,
  type DecideFailureCode,
  type ExecutionResult,
  type Person,
  type ScopeRequest,
} from '../domain/approvals';
import type { Clock } from '../domain/clock';
import { MAX_REQUEST_PRINCIPALS } from '../domain/commands';
import type { Permission } from '../domain/permissions';
import { GraphError } from '../graph/errors';
import type { CtsGraph } from '../graph/gateway';
import type { Logger } from '../logger';
import { AuditRewriteError, canListKeys, createIfAbsent, updateWithCasDetailed, type AuditLog } from '../store';
import type { AccessService, CallerIdentity } from './access';
import { checkRequest, currentPrivileged, DEFAULT_MAX_GROWTH_SHARE, newlyPrivileged, problemTitle, type ValidationProblem } from './approvalChecks';
import {
  ACTIVE_PREFIX,
  APPROVAL_RECORD_VERSION,
  KNOWN_APPROVERS_KEY,
  activeKey,
  KnownApproversSchema,
  OPEN_INDEX_KEY,
  OpenIndexSchema,
  duplicateOf,
  openEntryOf,
  parseStoredApproval,
  requestKey,
  withEntry,
  type KnownApprovers,
  type OpenEntry,
  type OpenIndex,
  type StoredApproval,
} from './approvalRecords';
import type { Configurations } from './configurations';
import type { ConversationTarget } from './ports';
import { errorText, requestIdOf } from './operations';

export { approvalSubject, type StoredApproval, type CopyRole, type RiskReport } from './approvalRecords';
export type { ValidationProblem } from './approvalChecks';

/** Where approval cards go. Implemented by the subscriptions service; tests may pass a fixed list. */
export interface ApprovalAudience {
  targetsFor(topic: 'approvals', configuration: string): Promise<ConversationTarget[]> | ConversationTarget[];
  personalTargetOf(aadObjectId: string): Promise<ConversationTarget | undefined> | ConversationTarget | undefined;
}

export interface Requester extends CallerIdentity {
  name: string;
}

export interface NewScopeRequest {
  configuration?: string;
  op: 'add' | 'remove';
  principalType: 'user' | 'group';
  principals: string[];
  reason: string;
  requester: Requester;
  origin?: ConversationTarget;
}

export type CreateOutcome = { ok: true; record: StoredApproval } | { ok: false; problem: ValidationProblem };

export type DecisionVerb = 'approve' | 'reject' | 'cancel';

export type ActOutcome =
  | { kind: 'not-found'; id: string }
  /** `signals-changed`: the risk signals got worse since the card was shown; the record now holds the new ones. */
  | { kind: 'refused'; code: DecideFailureCode | 'signals-changed'; message: string; record: StoredApproval }
  /** `execution` resolves when Graph has been called and the outcome stored (approvals only). */
  | { kind: 'committed'; record: StoredApproval; execution?: Promise<StoredApproval> };

export interface ApprovalsOptions {
  expiresAfterHours?: number;
  /** Warn when an add grows scope by more than this share of the target tenant (or of the current scope). */
  maxGrowthShare?: number;
  targetTenantUsers?: (tenantId: string) => Promise<number | undefined>;
  newId?: () => string;
  logger?: Logger;
  /** Principals changed at once during execution. */
  executionWidth?: number;
}

export interface ApprovalsDeps {
  configs: Configurations;
  graph: CtsGraph;
  storage: Storage;
  audit: AuditLog;
  access: AccessService;
  clock: Clock;
}

type Listener = (record: StoredApproval) => void | Promise<void>;

/** How often the known-approvers list is rewritten for the same person (it feeds refresh.userIds). */
const APPROVER_NOTE_MS = 60 * 60 * 1000;
export const MAX_REFRESH_USER_IDS = 60;
/** An index reservation whose request record has not appeared within this long belongs to a create that died. */
const RESERVATION_GRACE_MS = 5 * 60_000;

export class ApprovalsService {
  private readonly listeners: Listener[] = [];
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly noted = new Map<string, number>();
  private readonly expiresAfterHours: number;
  private readonly newId: () => string;

  constructor(
    private readonly deps: ApprovalsDeps,
    private readonly options: ApprovalsOptions = {},
  ) {
    this.expiresAfterHours = options.expiresAfterHours ?? DEFAULT_EXPIRES_AFTER_HOURS;
    this.newId = options.newId ?? (() => newRequestId(() => randomInt(0, 1_000_000) / 1_000_000));
  }

  /** Called after every committed transition (and copy changes are not transitions). Errors are logged, never thrown. */
  onChange(listener: Listener): void {
    this.listeners.push(listener);
  }

  /** Resolves when background work (executions, listeners) started so far has finished. For tests and shutdown. */
  async idle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  async get(id: string): Promise<StoredApproval | undefined> {
    const raw = (await this.deps.storage.read([requestKey(id)]))[requestKey(id)];
    if (!raw) return undefined;
    const rec = parseStoredApproval(stripEtag(raw));
    if (!rec) this.options.logger?.warn({ id }, 'stored approval request failed validation');
    return rec;
  }

  /** Open requests waiting for a decision, oldest first. */
  async pending(): Promise<StoredApproval[]> {
    const now = this.deps.clock.now();
    const records = await Promise.all((await this.openIds()).map((id) => this.readSafely(id)));
    return records
      .filter((r): r is StoredApproval => !!r && r.request.status === 'pending' && !isExpired(r.request, now))
      .sort((a, b) => a.request.createdAt.localeCompare(b.request.createdAt));
  }

  /** Ids of people the bot has seen holding scope.approve, most recent first (for refresh.userIds). */
  async knownApprovers(): Promise<string[]> {
    const raw = (await this.deps.storage.read([KNOWN_APPROVERS_KEY]))[KNOWN_APPROVERS_KEY];
    const parsed = raw ? KnownApproversSchema.safeParse(stripEtag(raw)) : undefined;
    if (!parsed?.success) return [];
    return [...parsed.data.users].sort((a, b) => b.lastSeen.localeCompare(a.lastSeen)).map((u) => u.aadObjectId);
  }

  /** Remembers someone who holds scope.approve, so later cards refresh for them. Cheap when called often. */
  async noteApprover(aadObjectId: string): Promise<void> {
    const now = this.deps.clock.now();
    const last = this.noted.get(aadObjectId);
    if (last !== undefined && now - last < APPROVER_NOTE_MS) return;
    this.noted.set(aadObjectId, now);
    await updateWithCasDetailed<KnownApprovers>(this.deps.storage, KNOWN_APPROVERS_KEY, (cur) => {
      const users = (cur?.users ?? []).filter((u) => u.aadObjectId !== aadObjectId);
      users.unshift({ aadObjectId, lastSeen: new Date(now).toISOString() });
      return { schemaVersion: 1, users: users.slice(0, 200) };
    });
  }

  /** The users whose clients should fetch their own view of a request's card: the requester and known approvers. */
  async refreshUserIds(record: StoredApproval): Promise<string[]> {
    const ids = [record.request.requester.aadObjectId, ...(await this.knownApprovers())];
    return [...new Set(ids)].slice(0, MAX_REFRESH_USER_IDS);
  }

  /** What the caller may do with a request, resolved afresh or from the short cache (`fresh: false`, for views). */
  async permissionsFor(caller: CallerIdentity, configuration: string, fresh: boolean): Promise<Permission[]> {
    const resolved = await this.deps.access.resolve(caller, { fresh });
    return this.deps.access.permissions(resolved, configuration);
  }

  // -------------------------------------------------------------------------------------------
  // Creating

  async create(input: NewScopeRequest): Promise<CreateOutcome> {
    const fail = (code: ValidationProblem['code'], lines: string[], hint?: string): CreateOutcome => ({
      ok: false,
      problem: { code, title: problemTitle(code), lines, ...(hint ? { hint } : {}) },
    });
    const reason = input.reason.trim();
    if (!reason) return fail('reason-required', ['Say why the change is needed: end the request with "because <reason>".']);
    if (!input.principals.length) return fail('not-found', [`Say which ${input.principalType}s to ${input.op}.`]);
    if (input.principals.length > MAX_REQUEST_PRINCIPALS) {
      return fail('too-many', [`At most ${MAX_REQUEST_PRINCIPALS} ${input.principalType}s per request; you gave ${input.principals.length}.`], 'Split it into several requests.');
    }
    const found = this.deps.configs.resolve(input.configuration);
    if (!found.ok) return fail('unknown-configuration', [found.problem], found.hint);
    const config = found.config;

    let checked;
    try {
      checked = await checkRequest(this.deps.graph, { config, op: input.op, principalType: input.principalType, principals: input.principals }, {
        maxGrowthShare: this.options.maxGrowthShare ?? DEFAULT_MAX_GROWTH_SHARE,
        targetTenantUsers: this.options.targetTenantUsers,
      });
    } catch (err) {
      this.options.logger?.warn({ err }, 'scope request check failed');
      return fail('graph-unavailable', [`Graph did not answer while checking the request: ${errorText(err)}`], 'Nothing was stored; try again in a moment.');
    }
    if (!checked.ok) return { ok: false, problem: checked.problem };

    const requester: Person = { aadObjectId: input.requester.aadObjectId, name: input.requester.name };
    const request = createRequest({
      id: this.newId(),
      configuration: config.name,
      op: input.op,
      principalType: input.principalType,
      principals: checked.principals,
      reason,
      requester,
      now: this.deps.clock.now(),
      expiresAfterHours: this.expiresAfterHours,
    });
    const record: StoredApproval = {
      schemaVersion: APPROVAL_RECORD_VERSION,
      request,
      risk: checked.risk,
      graphRequestIds: {},
      ...(input.origin ? { origin: input.origin } : {}),
    };

    const duplicate = await this.reserve(request);
    if (duplicate) {
      return {
        ok: false,
        problem: {
          code: 'duplicate',
          title: problemTitle('duplicate'),
          lines: [`Request ${duplicate} already asks to ${input.op} ${input.op === 'add' ? 'to' : 'from'} ${config.name} some of the same ${input.principalType}s and is still open.`],
          hint: `See "pending", or wait for ${duplicate} to be decided.`,
          existingId: duplicate,
        },
      };
    }
    // The marker first: a request record is never stored without the key that lets reconcile and expiry find it.
    const stored =
      (await createIfAbsent(this.deps.storage, activeKey(request.id), { id: request.id, createdAt: request.createdAt })) &&
      (await createIfAbsent(this.deps.storage, requestKey(request.id), record));
    if (!stored) {
      // A random id collided with an existing request: give back the reservation and let the person retry.
      await this.updateIndex({ ...request, status: 'cancelled' });
      return fail('graph-unavailable', ['Could not store the request (id collision); please send it again.']);
    }
    await this.auditEvent(requester, 'scope.requested', record, 'ok', `${input.op} ${describePrincipals(request)}: ${reason}`);
    this.emit(record);
    return { ok: true, record };
  }

  // -------------------------------------------------------------------------------------------
  // Deciding

  /**
   * Approve, reject or cancel, for `caller` whose roles are resolved afresh here (never taken from the card). Only
   * the approval that commits starts the execution; every other click gets the request as it now stands.
   */
  async act(id: string, verb: DecisionVerb, caller: Requester, options: { reason?: string } = {}): Promise<ActOutcome> {
    const current = await this.get(id);
    if (!current) return { kind: 'not-found', id };
    const permissions = await this.permissionsFor(caller, current.request.configuration, true);
    if (permissions.includes('scope.approve')) void this.noteApprover(caller.aadObjectId).catch(() => undefined);
    const actor: Person = { aadObjectId: caller.aadObjectId, name: caller.name };
    const now = this.deps.clock.now();
    const action: ApprovalAction = verb === 'approve' ? { type: 'approve' } : verb === 'reject' ? { type: 'reject', reason: options.reason } : { type: 'cancel' };
    if (verb === 'approve' && current.request.status === 'pending' && permissions.includes('scope.approve')) {
      const stale = await this.staleSignals(current);
      if (stale) return stale;
    }

    let refusal: { code: DecideFailureCode; message: string } | undefined;
    const result = await updateWithCasDetailed<StoredApproval>(this.deps.storage, requestKey(id), (cur) => {
      refusal = undefined;
      const rec = cur && parseStoredApproval(cur);
      if (!rec) return 'abort';
      const ctx = { now, actor, actorPermissions: permissions, needsDeletesAllow: requiresDeletesAllow(rec.request) || rec.risk.tripsDeletionThreshold };
      const d = decide(rec.request, action, ctx);
      if (!d.ok) {
        refusal = { code: d.code, message: d.message };
        return 'abort';
      }
      if (verb !== 'approve') return { ...rec, request: d.next };
      const started = decide(d.next, { type: 'beginExecution' }, { ...ctx, actor: SYSTEM_ACTOR });
      if (!started.ok) {
        refusal = { code: started.code, message: started.message };
        return 'abort';
      }
      return { ...rec, request: started.next };
    });
    const record = result.item && parseStoredApproval(result.item);
    if (!record) return { kind: 'not-found', id };
    if (result.outcome !== 'committed') {
      const r = refusal ?? { code: 'already-decided' as const, message: `Request ${id} ${record.request.status}.` };
      if (r.code === 'not-allowed' || r.code === 'self-approval' || r.code === 'not-requester') {
        await this.auditEvent(actor, `scope.${verb}`, record, 'refused', r.message);
      }
      return { kind: 'refused', code: r.code, message: r.message, record };
    }

    // The request record now says what was decided; everything after works from it. The shared index is only a cache
    // (duplicate reservations): it is brought up to date afterwards and repaired by reconcile if that write fails.
    const execution = verb === 'approve' ? this.track(this.execute(record, 'fresh')) : undefined;
    const audited = await this.auditDecision(record);
    this.emit(record);
    if (verb !== 'approve') this.track(this.settle(record.request, audited));
    else this.track(this.updateIndexLater(record.request));
    return execution ? { kind: 'committed', record, execution } : { kind: 'committed', record };
  }

  /**
   * Reads the privileged-role signal again before an approval: if someone named in the request (or a member of a named
   * group) holds a privileged role the approver was not shown, the record gets the new signals and the approval is
   * refused, so the approver decides again on the card that shows them. A read failure does not block (logged).
   */
  private async staleSignals(current: StoredApproval): Promise<ActOutcome | undefined> {
    const config = this.deps.configs.find(current.request.configuration);
    if (!config) return undefined;
    let now;
    try {
      now = await currentPrivileged(this.deps.graph, config, current.request);
    } catch (err) {
      this.options.logger?.warn({ err, id: current.request.id }, 'could not re-read the privileged-role signal before approval');
      return undefined;
    }
    if (!now) return undefined;
    const added = newlyPrivileged(current.risk.privileged, now);
    if (!added.length) return undefined;
    const words = added.map((p) => `${p.displayName} now holds ${p.roles.join(', ')}`).join('; ');
    const message = `The risk changed since this card was shown: ${words}. Look at the updated request and approve again if you still agree.`;
    const r = await updateWithCasDetailed<StoredApproval>(this.deps.storage, requestKey(current.request.id), (cur) => {
      const rec = cur && parseStoredApproval(cur);
      if (!rec || rec.request.status !== 'pending') return 'abort';
      const merged = [...rec.risk.privileged.filter((p) => !now.some((n) => n.id.toLowerCase() === p.id.toLowerCase())), ...now];
      return { ...rec, risk: { ...rec.risk, privileged: merged, warnings: [...rec.risk.warnings, `Re-checked before approval: ${words}.`].slice(-20) } };
    });
    const record = (r.item && parseStoredApproval(r.item)) ?? current;
    if (r.outcome !== 'committed') return undefined; // decided meanwhile: the normal path says what happened
    this.emit(record);
    return { kind: 'refused', code: 'signals-changed', message, record };
  }

  // -------------------------------------------------------------------------------------------
  // Carrying out

  private async execute(record: StoredApproval, mode: 'fresh' | 'reconcile'): Promise<StoredApproval> {
    const req = record.request;
    const config = this.deps.configs.find(req.configuration);
    const requestIds: Record<string, string> = {};
    let results: ExecutionResult[];
    if (!config) {
      results = req.principals.map((p) => ({ principalId: p.id, outcome: 'failed' as const, error: `configuration ${req.configuration} no longer exists` }));
    } else {
      results = await this.apply(config, req, mode, requestIds);
    }
    const now = this.deps.clock.now();
    const done = await updateWithCasDetailed<StoredApproval>(this.deps.storage, requestKey(req.id), (cur) => {
      const rec = cur && parseStoredApproval(cur);
      if (!rec) return 'abort';
      const d = decide(rec.request, { type: 'completeExecution', results }, { now, actor: SYSTEM_ACTOR, actorPermissions: [], needsDeletesAllow: false });
      if (!d.ok) return 'abort';
      return { ...rec, request: d.next, graphRequestIds: { ...rec.graphRequestIds, ...requestIds } };
    });
    const final = (done.item && parseStoredApproval(done.item)) ?? record;
    if (done.outcome !== 'committed') return final;
    const audited = (await this.auditDecision(final)) && (await this.auditExecution(final, mode));
    this.emit(final);
    await this.settle(final.request, audited);
    return final;
  }

  /**
   * Changes each principal's assignment. In `reconcile` mode Graph is read once first and only principals not yet in
   * the wanted state are touched (ensureAssigned/ensureUnassigned read again before they write).
   */
  private async apply(config: SyncConfiguration, req: ScopeRequest, mode: 'fresh' | 'reconcile', requestIds: Record<string, string>): Promise<ExecutionResult[]> {
    const { graph } = this.deps;
    const src = config.sourceTenantId;
    const sp = config.servicePrincipalId;
    let present: Map<string, string> | undefined;
    if (mode === 'reconcile') {
      try {
        const roleId = (await graph.accessRoleId(src, sp)).toLowerCase();
        present = new Map((await graph.listAssignments(src, sp)).filter((a) => a.appRoleId.toLowerCase() === roleId || req.op === 'remove').map((a) => [a.principalId.toLowerCase(), a.id]));
      } catch (err) {
        return req.principals.map((p) => ({ principalId: p.id, outcome: 'failed' as const, error: `could not read the assignments to reconcile: ${errorText(err)}` }));
      }
    }
    const width = this.options.executionWidth ?? 4;
    const out: ExecutionResult[] = new Array(req.principals.length);
    let next = 0;
    const one = async (i: number) => {
      const p = req.principals[i];
      const id = p.id.toLowerCase();
      try {
        if (req.op === 'add') {
          if (present?.has(id)) return (out[i] = { principalId: p.id, outcome: 'assigned', assignmentId: present.get(id) });
          const r = await graph.ensureAssigned(src, sp, p.id, req.principalType === 'group' ? 'Group' : 'User');
          out[i] = { principalId: p.id, outcome: r.created ? 'assigned' : 'already', assignmentId: r.assignment.id };
        } else {
          if (present && !present.has(id)) return (out[i] = { principalId: p.id, outcome: 'removed' });
          const r = await graph.ensureUnassigned(src, sp, p.id);
          out[i] = { principalId: p.id, outcome: r.removed > 0 ? 'removed' : 'absent' };
        }
      } catch (err) {
        const rid = requestIdOf(err);
        if (rid) requestIds[p.id] = rid;
        out[i] = { principalId: p.id, outcome: 'failed', error: errorText(err) + (err instanceof GraphError && err.code ? ` [${err.code}]` : '') };
      }
      return out[i];
    };
    await Promise.all(
      Array.from({ length: Math.min(width, req.principals.length) }, async () => {
        while (next < req.principals.length) await one(next++);
      }),
    );
    return out;
  }

  /**
   * Finishes requests a crash left behind: `executing` (or `approved`, if the crash came between the two) is finished
   * by reading Graph first. `minAgeMs` leaves alone executions another instance may still be running.
   */
  async reconcile(options: { minAgeMs?: number } = {}): Promise<StoredApproval[]> {
    const now = this.deps.clock.now();
    const out: StoredApproval[] = [];
    const open: ScopeRequest[] = [];
    const ended = new Set<string>();
    const index = await this.readIndex();
    for (const id of await this.openIds()) {
      let rec = await this.readSafely(id);
      if (!rec) {
        const entry = index?.entries.find((e) => e.id === id);
        if (entry && now - Date.parse(entry.createdAt) > RESERVATION_GRACE_MS) ended.add(id);
        continue;
      }
      if (isTerminal(rec.request.status)) {
        ended.add(id);
        // Its marker is still here: the process may have died before the audit events were written. They have fixed
        // ids, so writing them again finds them instead of doubling them.
        const audited = (await this.auditDecision(rec)) && (await this.auditExecution(rec, 'reconcile'));
        await this.settle(rec.request, audited);
        continue;
      }
      open.push(rec.request);
      if (rec.request.status === 'pending') continue;
      if (rec.request.decision) await this.auditDecision(rec);
      if (rec.request.status === 'approved') {
        const begun = await updateWithCasDetailed<StoredApproval>(this.deps.storage, requestKey(id), (cur) => {
          const r = cur && parseStoredApproval(cur);
          if (!r) return 'abort';
          const d = decide(r.request, { type: 'beginExecution' }, { now, actor: SYSTEM_ACTOR, actorPermissions: [], needsDeletesAllow: false });
          return d.ok ? { ...r, request: d.next } : 'abort';
        });
        if (begun.outcome !== 'committed') continue;
        rec = parseStoredApproval(begun.item)!;
      }
      const started = Date.parse(rec.request.execution?.startedAt ?? rec.request.createdAt);
      if (now - started < (options.minAgeMs ?? 0)) continue;
      out.push(await this.track(this.execute(rec, 'reconcile')));
    }
    await this.repairIndex(open, ended);
    return out;
  }

  /** Expires every pending request past its time; each expiry updates its cards through the listeners. */
  async expireDue(): Promise<StoredApproval[]> {
    const now = this.deps.clock.now();
    const out: StoredApproval[] = [];
    for (const id of await this.openIds()) {
      const seen = await this.readSafely(id);
      if (!seen) continue;
      if (seen.request.status !== 'pending' || Date.parse(seen.request.expiresAt) > now) continue;
      const r = await updateWithCasDetailed<StoredApproval>(this.deps.storage, requestKey(id), (cur) => {
        const rec = cur && parseStoredApproval(cur);
        if (!rec) return 'abort';
        const d = decide(rec.request, { type: 'expire' }, { now, actor: SYSTEM_ACTOR, actorPermissions: [], needsDeletesAllow: false });
        return d.ok ? { ...rec, request: d.next } : 'abort';
      });
      const rec = r.item && parseStoredApproval(r.item);
      if (!rec || r.outcome !== 'committed') continue;
      await this.auditEvent(SYSTEM_ACTOR, 'scope.expired', rec, 'ok', `no decision by ${rec.request.expiresAt}`);
      this.emit(rec);
      await this.settle(rec.request);
      out.push(rec);
    }
    return out;
  }

  /**
   * Claims "provision now" for a request, once: only the click whose CAS writes the claim provisions; a second click
   * or a second approver gets false. Only for a done add of users.
   */
  async claimProvisioning(id: string, by: Person): Promise<boolean> {
    const at = new Date(this.deps.clock.now()).toISOString();
    const r = await updateWithCasDetailed<StoredApproval>(this.deps.storage, requestKey(id), (cur) => {
      const rec = cur && parseStoredApproval(cur);
      if (!rec || rec.provisioned || rec.request.status !== 'done' || rec.request.op !== 'add' || rec.request.principalType !== 'user') return 'abort';
      return { ...rec, provisioned: { by: by.name, at, summary: 'Provisioning on demand…' } };
    });
    return r.outcome === 'committed';
  }

  /** Records that a request's added users were provisioned on demand. */
  async noteProvisioned(id: string, by: Person, summary: string): Promise<StoredApproval | undefined> {
    const at = new Date(this.deps.clock.now()).toISOString();
    const r = await updateWithCasDetailed<StoredApproval>(this.deps.storage, requestKey(id), (cur) => {
      const rec = cur && parseStoredApproval(cur);
      return rec ? { ...rec, provisioned: { by: by.name, at, summary } } : 'abort';
    });
    const rec = r.item && parseStoredApproval(r.item);
    if (rec && r.outcome === 'committed') this.emit(rec);
    return rec;
  }

  /** Work started for a request outside a turn (posting cards, provisioning); `idle()` waits for it. */
  runInBackground(work: Promise<unknown>): void {
    this.track(work).catch(() => undefined);
  }

  // -------------------------------------------------------------------------------------------

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    p.catch((err) => this.options.logger?.error({ err }, 'approval background work failed')).finally(() => this.inflight.delete(p));
    return p;
  }

  private emit(record: StoredApproval): void {
    for (const l of this.listeners) {
      this.track(Promise.resolve().then(() => l(record))).catch(() => undefined);
    }
  }

  /** A request record, or undefined (logged) when it is missing, unreadable or invalid: one bad record stops no sweep. */
  private async readSafely(id: string): Promise<StoredApproval | undefined> {
    try {
      return await this.get(id);
    } catch (err) {
      this.options.logger?.error({ err, id }, 'approval request record is unreadable; it is skipped');
      return undefined;
    }
  }

  /**
   * Ids of requests that may still be open: the per-request markers where the store can list them, plus the index
   * (which also covers requests stored before markers existed, and stores that cannot list).
   */
  private async openIds(): Promise<string[]> {
    const ids = new Set<string>();
    const { storage } = this.deps;
    if (canListKeys(storage)) for (const k of await storage.listKeys(ACTIVE_PREFIX)) ids.add(k.slice(ACTIVE_PREFIX.length));
    const index = await this.readIndex();
    if (index) for (const e of index.entries) ids.add(e.id);
    return [...ids].sort();
  }

  /** The index, or undefined (logged) when it is unreadable; an absent index is empty. */
  private async readIndex(): Promise<OpenIndex | undefined> {
    try {
      const raw = (await this.deps.storage.read([OPEN_INDEX_KEY]))[OPEN_INDEX_KEY];
      if (!raw) return { schemaVersion: 1, entries: [] };
      const parsed = OpenIndexSchema.safeParse(stripEtag(raw));
      if (parsed.success) return parsed.data;
      this.options.logger?.error({ key: OPEN_INDEX_KEY }, 'the open-requests index failed validation; it will be rebuilt');
    } catch (err) {
      this.options.logger?.error({ err, key: OPEN_INDEX_KEY }, 'the open-requests index is unreadable; it will be rebuilt');
    }
    return undefined;
  }

  /**
   * Reserves the request's principals in the index (two identical requests racing cannot both get one). An entry whose
   * request has meanwhile ended (its index update failed) does not block; an unreadable index is rebuilt first.
   */
  private async reserve(request: ScopeRequest): Promise<string | undefined> {
    const principalIds = request.principals.map((p) => p.id);
    let index = await this.readIndex();
    if (!index) {
      await this.rebuildIndex();
      index = (await this.readIndex()) ?? { schemaVersion: 1, entries: [] };
    }
    const stale = new Set<string>();
    for (let e = duplicateOf(index, request.configuration, request.op, principalIds); e; e = duplicateOf(without(index, stale), request.configuration, request.op, principalIds)) {
      const rec = await this.readSafely(e.id);
      // A reservation without its record yet is another create in flight, unless it is old (that create died).
      const inFlight = !rec && this.deps.clock.now() - Date.parse(e.createdAt) <= RESERVATION_GRACE_MS;
      if (inFlight || (rec && !isTerminal(rec.request.status))) return e.id;
      stale.add(e.id);
    }
    let duplicate: string | undefined;
    await updateWithCasDetailed<OpenIndex>(this.deps.storage, OPEN_INDEX_KEY, (cur) => {
      duplicate = undefined;
      const current = without(cur ? OpenIndexSchema.parse(cur) : undefined, stale);
      const dup = duplicateOf(current, request.configuration, request.op, principalIds);
      if (dup) {
        duplicate = dup.id;
        return 'abort';
      }
      return withEntry(current, request);
    });
    return duplicate;
  }

  private async updateIndex(request: ScopeRequest): Promise<void> {
    await updateWithCasDetailed<OpenIndex>(this.deps.storage, OPEN_INDEX_KEY, (cur) => withEntry(cur ? OpenIndexSchema.parse(cur) : undefined, request));
  }

  /** Brings the index up to date off the decision path; a failure is logged and left for reconcile to repair. */
  private async updateIndexLater(request: ScopeRequest): Promise<void> {
    await this.updateIndex(request).catch((err) => this.options.logger?.warn({ err, id: request.id }, 'open-requests index not updated; reconcile repairs it'));
  }

  /**
   * A request that has ended leaves the index and loses its marker (both best effort: reconcile finishes the job). The
   * marker stays while an audit event of the request could not be written, so reconcile writes it later.
   */
  private async settle(request: ScopeRequest, audited = true): Promise<void> {
    await this.updateIndexLater(request);
    if (isTerminal(request.status) && audited) {
      await this.deps.storage.delete([activeKey(request.id)]).catch((err) => this.options.logger?.warn({ err, id: request.id }, 'request marker not removed; reconcile removes it'));
    }
  }

  /**
   * Makes the index agree with the records reconcile just read: `open` requests get their current entry, `ended` ids
   * (terminal, or reservations whose record never appeared) lose theirs; entries reconcile did not see are kept.
   */
  private async repairIndex(open: ScopeRequest[], ended: Set<string>): Promise<void> {
    const wanted = new Map(open.map((r) => [r.id, openEntryOf(r)]));
    const index = await this.readIndex();
    if (!index) {
      await this.rebuildIndex().catch((err) => this.options.logger?.error({ err }, 'open-requests index rebuild failed'));
      return;
    }
    const differs = index.entries.some((e) => ended.has(e.id) || (wanted.has(e.id) && JSON.stringify(e) !== JSON.stringify(wanted.get(e.id))));
    const missing = [...wanted.keys()].some((id) => !index.entries.some((e) => e.id === id));
    if (!differs && !missing) return;
    await updateWithCasDetailed<OpenIndex>(this.deps.storage, OPEN_INDEX_KEY, (cur) => {
      const kept = (cur ? OpenIndexSchema.parse(cur) : { entries: [] }).entries.filter((e) => !ended.has(e.id) && !wanted.has(e.id));
      return { schemaVersion: 1, entries: [...kept, ...wanted.values()] };
    }).catch((err) => this.options.logger?.warn({ err }, 'open-requests index repair failed; the next sweep tries again'));
  }

  /** Replaces an unreadable index with one built from the request markers and records (logged loudly). */
  private async rebuildIndex(): Promise<void> {
    const { storage } = this.deps;
    if (!canListKeys(storage)) throw new Error('the open-requests index is unreadable and this store cannot list requests to rebuild it');
    const entries: OpenEntry[] = [];
    for (const k of await storage.listKeys(ACTIVE_PREFIX)) {
      const rec = await this.readSafely(k.slice(ACTIVE_PREFIX.length));
      if (rec && !isTerminal(rec.request.status)) entries.push(openEntryOf(rec.request));
    }
    // An unconditional write: the unreadable index has no eTag we could match.
    await storage.write({ [OPEN_INDEX_KEY]: { schemaVersion: 1, entries, eTag: '*' } });
    this.options.logger?.error({ key: OPEN_INDEX_KEY, entries: entries.length }, 'rebuilt the unreadable open-requests index from the request records');
  }

  /** The decision's audit event, from the record alone: one per request (fixed id and time), however often written. */
  private async auditDecision(record: StoredApproval): Promise<boolean> {
    const d = record.request.decision;
    if (!d || d.verdict === 'expired') return true;
    const detail = d.verdict === 'rejected' && d.reason ? d.reason : describePrincipals(record.request);
    return this.auditEvent(d.by, `scope.${d.verdict}`, record, 'ok', detail, undefined, { id: `${record.request.id}.${d.verdict}`, at: d.at });
  }

  /** The execution's audit event, from the record alone (fixed id and time, like the decision's). */
  private async auditExecution(record: StoredApproval, mode: 'fresh' | 'reconcile'): Promise<boolean> {
    const ex = record.request.execution;
    if (!ex?.finishedAt) return true;
    const results = ex.results ?? [];
    const failed = record.request.status === 'failed';
    const detail = `${mode === 'reconcile' ? 'finished after a restart by reading Graph; ' : ''}${results.map((r) => `${nameOf(record.request, r.principalId)}: ${r.outcome}${r.error ? ` (${r.error})` : ''}`).join('; ')}${ex.error ? ex.error : ''}`;
    return this.auditEvent(SYSTEM_ACTOR, 'scope.executed', record, failed ? 'failed' : 'ok', detail, Object.values(record.graphRequestIds)[0], { id: `${record.request.id}.executed`, at: ex.finishedAt });
  }

  private async auditEvent(
    actor: Person,
    action: string,
    record: StoredApproval,
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
      if (fixed) await this.deps.audit.appendRecord({ schemaVersion: 1, ...fixed, at: new Date(fixed.at).toISOString(), ...input });
      else await this.deps.audit.append(input);
      return true;
    } catch (err) {
      if (err instanceof AuditRewriteError) return true;
      this.options.logger?.error({ err, action, id: record.request.id }, fixed ? 'AUDIT WRITE FAILED; reconcile writes it again' : 'AUDIT WRITE FAILED');
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

function without(index: OpenIndex | undefined, ids: Set<string>): OpenIndex | undefined {
  return index && ids.size ? { schemaVersion: 1, entries: index.entries.filter((e) => !ids.has(e.id)) } : index;
}

function stripEtag(item: Record<string, unknown>): Record<string, unknown> {
  const { eTag: _eTag, ...rest } = item;
  return rest;
}
