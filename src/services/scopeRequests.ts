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
import {
  DEFAULT_EXPIRES_AFTER_HOURS,
  SYSTEM_ACTOR,
  createRequest,
  decide,
  isExpired,
  newRequestId,
  requiresDeletesAllow,
  type ApprovalAction,
  type DecideFailureCode,
  type ExecutionResult,
  type Person,
} from '../domain/scopeRequests';
import type { Clock } from '../domain/clock';
import type { Permission } from '../domain/permissions';
import type { CtsGraph } from '../graph/gateway';
import type { Logger } from '../logger';
import { createIfAbsent, updateWithCasDetailed, withoutEtag, type AuditLog } from '../store';
import { ScopeRequestAudit, describePrincipals } from './scopeRequestAudit';
import { OpenRequests } from './openRequests';
import { expireDueRequests, reconcileRequests, type RecoveryContext } from './scopeRequestRecovery';
import { KnownApproverList } from './knownApprovers';
import { recheckNewcomers, recheckPrivileged } from './riskRecheck';
import type { NewcomerChecks } from './newcomerChecks';
import type { Newcomer } from '../domain/lookalike';
import { applyScopeChange } from './scopeAssignments';
import type { AccessService, CallerIdentity } from './access';
import { DEFAULT_MAX_GROWTH_SHARE } from '../domain/risk';
import { checkRequest, duplicateProblem, problemOf, requestShapeProblem, type ValidationProblem } from './scopeRequestChecks';
import { SCOPE_REQUEST_RECORD_VERSION, activeKey, parseStoredScopeRequest, requestKey, type StoredScopeRequest } from './scopeRequestRecords';
import type { Configurations } from './configurations';
import type { ConversationTarget } from './ports';
import { errorText } from './operations';

export { approvalSubject, type StoredScopeRequest, type CopyRole, type RiskReport } from './scopeRequestRecords';
export type { ValidationProblem } from './scopeRequestChecks';

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
  /**
   * A caller-chosen request id (a valid REQ- id), for idempotent creation: the scope review derives it from the review
   * and item, so a second create finds the first request instead of making another.
   */
  id?: string;
}

export type CreateOutcome = { ok: true; record: StoredScopeRequest } | { ok: false; problem: ValidationProblem };

export type DecisionVerb = 'approve' | 'reject' | 'cancel';

/** A request as read, with the eTag it was read at. */
export interface LoadedScopeRequest {
  record: StoredScopeRequest;
  eTag?: string;
}

/** `permissions`: the caller's, resolved afresh for this decision (the reply's view uses them rather than resolving again). */
export type ActOutcome =
  | { kind: 'not-found'; id: string }
  /** `signals-changed`: the risk signals got worse since the card was shown; the record now holds the new ones. */
  | { kind: 'refused'; code: DecideFailureCode | 'signals-changed'; message: string; record: StoredScopeRequest; permissions: Permission[] }
  /** `execution` resolves when Graph has been called and the outcome stored (approvals only). */
  | { kind: 'committed'; record: StoredScopeRequest; permissions: Permission[]; execution?: Promise<StoredScopeRequest> };

export interface ScopeRequestOptions {
  expiresAfterHours?: number;
  /** Warn when an add grows scope by more than this share of the target tenant (or of the current scope). */
  maxGrowthShare?: number;
  targetTenantUsers?: (tenantId: string) => Promise<number | undefined>;
  /** Look-alike and dynamic-group checks of add requests (services/newcomerChecks.ts); absent = not run. */
  newcomers?: NewcomerChecks;
  newId?: () => string;
  logger?: Logger;
  /** Principals changed at once during execution. */
  executionWidth?: number;
}

export interface ScopeRequestDeps {
  configs: Configurations;
  graph: CtsGraph;
  storage: Storage;
  audit: AuditLog;
  access: AccessService;
  clock: Clock;
}

type Listener = (record: StoredScopeRequest) => void | Promise<void>;

/** Request records read at once by `pending()`. */
export const PENDING_READ_PAGE = 64;

export class ScopeRequestService {
  private readonly listeners: Listener[] = [];
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly approvers: KnownApproverList;
  private readonly expiresAfterHours: number;
  private readonly newId: () => string;
  private readonly index: OpenRequests;
  private readonly audit: ScopeRequestAudit;

  constructor(
    private readonly deps: ScopeRequestDeps,
    private readonly options: ScopeRequestOptions = {},
  ) {
    this.expiresAfterHours = options.expiresAfterHours ?? DEFAULT_EXPIRES_AFTER_HOURS;
    this.newId = options.newId ?? (() => newRequestId(() => randomInt(0, 1_000_000) / 1_000_000));
    this.index = new OpenRequests({ storage: deps.storage, clock: deps.clock, logger: options.logger, readSafely: (id) => this.readSafely(id) });
    this.audit = new ScopeRequestAudit({ log: deps.audit, logger: options.logger });
    this.approvers = new KnownApproverList({ storage: deps.storage, clock: deps.clock });
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

  async get(id: string): Promise<StoredScopeRequest | undefined> {
    return (await this.load(id))?.record;
  }

  /** The request with the eTag it was read at: a click reads it once and decides on it (see `act`). */
  async load(id: string): Promise<LoadedScopeRequest | undefined> {
    const raw = (await this.deps.storage.read([requestKey(id)]))[requestKey(id)] as (Record<string, unknown> & { eTag?: string }) | undefined;
    if (!raw) return undefined;
    const record = parseStoredScopeRequest(withoutEtag(raw));
    if (!record) {
      this.options.logger?.warn({ id }, 'stored approval request failed validation');
      return undefined;
    }
    return { record, eTag: raw.eTag };
  }

  /** Open requests waiting for a decision, oldest first. */
  async pending(): Promise<StoredScopeRequest[]> {
    const now = this.deps.clock.now();
    const open: StoredScopeRequest[] = [];
    // A page of reads at a time: 10,000 open requests read all at once held every file's bytes and parse at the same
    // moment, and the process kept that peak as resident memory (issue 15, memory).
    const ids = await this.index.openIds();
    for (let i = 0; i < ids.length; i += PENDING_READ_PAGE) {
      const page = await Promise.all(ids.slice(i, i + PENDING_READ_PAGE).map((id) => this.readSafely(id)));
      for (const r of page) if (r && r.request.status === 'pending' && !isExpired(r.request, now)) open.push(r);
    }
    return open.sort((a, b) => a.request.createdAt.localeCompare(b.request.createdAt));
  }

  /** Remembers someone who holds scope.approve, so later views are shown to them. Cheap when called often. */
  noteApprover(aadObjectId: string): Promise<void> {
    return this.approvers.note(aadObjectId);
  }

  /** The people who act on a request, each shown their own view of it: the requester, then known approvers. */
  audienceOf(record: StoredScopeRequest): Promise<string[]> {
    return this.approvers.audienceOf(record);
  }

  /** What the caller may do with a request, resolved afresh or from the short cache (`fresh: false`, for views). */
  async permissionsFor(caller: CallerIdentity, configuration: string, fresh: boolean): Promise<Permission[]> {
    const resolved = await this.deps.access.resolve(caller, { fresh });
    return this.deps.access.permissions(resolved, configuration);
  }

  // -------------------------------------------------------------------------------------------
  // Creating

  async create(input: NewScopeRequest): Promise<CreateOutcome> {
    const fail = (code: ValidationProblem['code'], lines: string[], hint?: string): CreateOutcome => ({ ok: false, problem: problemOf(code, lines, hint) });
    const shapeProblem = requestShapeProblem(input);
    if (shapeProblem) return { ok: false, problem: shapeProblem };
    const reason = input.reason.trim();
    const found = this.deps.configs.resolve(input.configuration);
    if (!found.ok) return fail('unknown-configuration', [found.problem], found.hint);
    const config = found.config;

    let checked;
    try {
      checked = await checkRequest(
        this.deps.graph,
        { config, op: input.op, principalType: input.principalType, principals: input.principals },
        {
          maxGrowthShare: this.options.maxGrowthShare ?? DEFAULT_MAX_GROWTH_SHARE,
          targetTenantUsers: this.options.targetTenantUsers,
          ...(this.options.newcomers
            ? { newcomers: (c: Parameters<NewcomerChecks['check']>[0], people: Newcomer[]) => this.options.newcomers!.check(c, people) }
            : {}),
        },
      );
    } catch (err) {
      this.options.logger?.warn({ err }, 'scope request check failed');
      return fail('graph-unavailable', [`Graph did not answer while checking the request: ${errorText(err)}`], 'Nothing was stored; try again in a moment.');
    }
    if (!checked.ok) return { ok: false, problem: checked.problem };

    const requester: Person = { aadObjectId: input.requester.aadObjectId, name: input.requester.name };
    const request = createRequest({
      id: input.id ?? this.newId(),
      configuration: config.name,
      op: input.op,
      principalType: input.principalType,
      principals: checked.principals,
      reason,
      requester,
      now: this.deps.clock.now(),
      expiresAfterHours: this.expiresAfterHours,
    });
    const record: StoredScopeRequest = {
      schemaVersion: SCOPE_REQUEST_RECORD_VERSION,
      request,
      risk: checked.risk,
      graphRequestIds: {},
      ...(input.origin ? { origin: input.origin } : {}),
    };

    const duplicate = await this.index.reserve(request);
    if (duplicate) return { ok: false, problem: duplicateProblem(duplicate, config.name, input) };
    // The marker first: a request record is never stored without the key that lets reconcile and expiry find it.
    // A caller-chosen id (a scope review's removal) is retried after a crash: its own marker from the attempt that died
    // is no collision, and a record a racing attempt stored first is the same request.
    const chosen = input.id !== undefined;
    const marked = (await createIfAbsent(this.deps.storage, activeKey(request.id), { id: request.id, createdAt: request.createdAt })) || chosen;
    const stored = marked && (await createIfAbsent(this.deps.storage, requestKey(request.id), record));
    if (!stored && chosen) {
      const existing = await this.get(request.id);
      return existing ? { ok: true, record: existing } : fail('graph-unavailable', ['The request is being stored by another attempt; try again.']);
    }
    if (!stored) {
      // A random id collided with an existing request: give back the reservation and let the person retry.
      await this.index.updateIndex({ ...request, status: 'cancelled' });
      return fail('graph-unavailable', ['Could not store the request (id collision); please send it again.']);
    }
    await this.audit.auditEvent(requester, 'scope.requested', record, 'ok', `${input.op} ${describePrincipals(request)}: ${reason}`);
    this.emit(record);
    return { ok: true, record };
  }

  // -------------------------------------------------------------------------------------------
  // Deciding

  /**
   * Approve, reject or cancel, for `caller` whose roles are resolved afresh here (never taken from the card). Only
   * the approval that commits starts the execution; every other click gets the request as it now stands. `loaded`: the
   * request as the caller already read it this turn; the decision's CAS starts from it instead of reading it again.
   */
  async act(id: string, verb: DecisionVerb, caller: Requester, options: { reason?: string; loaded?: LoadedScopeRequest } = {}): Promise<ActOutcome> {
    const loaded = options.loaded?.record.request.id === id ? options.loaded : await this.load(id);
    if (!loaded) return { kind: 'not-found', id };
    const current = loaded.record;
    const permissions = await this.permissionsFor(caller, current.request.configuration, true);
    if (permissions.includes('scope.approve')) void this.noteApprover(caller.aadObjectId).catch(() => undefined);
    const actor: Person = { aadObjectId: caller.aadObjectId, name: caller.name };
    const now = this.deps.clock.now();
    const action: ApprovalAction =
      verb === 'approve' ? { type: 'approve' } : verb === 'reject' ? { type: 'reject', reason: options.reason } : { type: 'cancel' };
    if (verb === 'approve' && current.request.status === 'pending' && permissions.includes('scope.approve')) {
      const stale = await this.staleSignals(current, permissions);
      if (stale) return stale;
    }

    let refusal: { code: DecideFailureCode; message: string } | undefined;
    const result = await updateWithCasDetailed<StoredScopeRequest>(
      this.deps.storage,
      requestKey(id),
      (cur) => {
        refusal = undefined;
        const rec = cur && parseStoredScopeRequest(cur);
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
      },
      { alreadyRead: loaded.eTag ? { ...current, eTag: loaded.eTag } : undefined },
    );
    const record = result.item && parseStoredScopeRequest(result.item);
    if (!record) return { kind: 'not-found', id };
    if (result.outcome !== 'committed') {
      const r = refusal ?? { code: 'already-decided' as const, message: `Request ${id} ${record.request.status}.` };
      if (r.code === 'not-allowed' || r.code === 'self-approval' || r.code === 'not-requester') {
        await this.audit.auditEvent(actor, `scope.${verb}`, record, 'refused', r.message);
      }
      return { kind: 'refused', code: r.code, message: r.message, record, permissions };
    }

    // The request record now says what was decided; everything after works from it. The shared index is only a cache
    // (duplicate reservations): it is brought up to date afterwards and repaired by reconcile if that write fails.
    const execution = verb === 'approve' ? this.track(this.execute(record, 'fresh')) : undefined;
    const audited = await this.audit.auditDecision(record);
    this.emit(record);
    if (verb !== 'approve') void this.track(this.index.settle(record.request, audited));
    else void this.track(this.index.updateIndexLater(record.request));
    return execution ? { kind: 'committed', record, permissions, execution } : { kind: 'committed', record, permissions };
  }

  /** Refuses an approval whose privileged-role signals got worse since the card was shown (see riskRecheck). */
  private async staleSignals(current: StoredScopeRequest, permissions: Permission[]): Promise<ActOutcome | undefined> {
    const { graph, configs, storage } = this.deps;
    const changed =
      (await recheckPrivileged({ graph, configs, storage, logger: this.options.logger }, current)) ??
      (this.options.newcomers
        ? await recheckNewcomers({ graph, configs, storage, newcomers: this.options.newcomers, logger: this.options.logger }, current)
        : undefined);
    if (!changed) return undefined;
    this.emit(changed.record);
    return { kind: 'refused', code: 'signals-changed', message: changed.message, record: changed.record, permissions };
  }

  // -------------------------------------------------------------------------------------------
  // Carrying out

  private async execute(record: StoredScopeRequest, mode: 'fresh' | 'reconcile'): Promise<StoredScopeRequest> {
    const req = record.request;
    const config = this.deps.configs.find(req.configuration);
    const requestIds: Record<string, string> = {};
    let results: ExecutionResult[];
    if (!config) {
      results = req.principals.map((p) => ({ principalId: p.id, outcome: 'failed' as const, error: `configuration ${req.configuration} no longer exists` }));
    } else {
      results = await applyScopeChange(this.deps.graph, config, req, mode, requestIds, this.options.executionWidth ?? 4);
    }
    const now = this.deps.clock.now();
    const done = await updateWithCasDetailed<StoredScopeRequest>(this.deps.storage, requestKey(req.id), (cur) => {
      const rec = cur && parseStoredScopeRequest(cur);
      if (!rec) return 'abort';
      const d = decide(rec.request, { type: 'completeExecution', results }, { now, actor: SYSTEM_ACTOR, actorPermissions: [], needsDeletesAllow: false });
      if (!d.ok) return 'abort';
      return { ...rec, request: d.next, graphRequestIds: { ...rec.graphRequestIds, ...requestIds } };
    });
    const final = (done.item && parseStoredScopeRequest(done.item)) ?? record;
    if (done.outcome !== 'committed') return final;
    const audited = (await this.audit.auditDecision(final)) && (await this.audit.auditExecution(final, mode));
    this.emit(final);
    await this.index.settle(final.request, audited);
    return final;
  }

  /** Finishes requests a crash left behind, reading Graph before anything is sent again (see scopeRequestRecovery). */
  async reconcile(options: { minAgeMs?: number } = {}): Promise<StoredScopeRequest[]> {
    return reconcileRequests(this.recovery(), options);
  }

  /** Expires every pending request past its time; each expiry updates its cards through the listeners. */
  async expireDue(): Promise<StoredScopeRequest[]> {
    return expireDueRequests(this.recovery());
  }

  private recovery(): RecoveryContext {
    const { storage, clock } = this.deps;
    const execute = (rec: StoredScopeRequest) => this.track(this.execute(rec, 'reconcile'));
    return { storage, clock, index: this.index, audit: this.audit, readSafely: (id) => this.readSafely(id), execute, emit: (rec) => this.emit(rec) };
  }

  /**
   * Claims "provision now" for a request, once: only the click whose CAS writes the claim provisions; a second click
   * or a second approver gets false. Only for a done add of users.
   */
  async claimProvisioning(id: string, by: Person): Promise<boolean> {
    const at = new Date(this.deps.clock.now()).toISOString();
    const r = await updateWithCasDetailed<StoredScopeRequest>(this.deps.storage, requestKey(id), (cur) => {
      const rec = cur && parseStoredScopeRequest(cur);
      if (!rec || rec.provisioned || rec.request.status !== 'done' || rec.request.op !== 'add' || rec.request.principalType !== 'user') return 'abort';
      return { ...rec, provisioned: { by: by.name, at, summary: 'Provisioning on demand…' } };
    });
    return r.outcome === 'committed';
  }

  /** Records that a request's added users were provisioned on demand. */
  async noteProvisioned(id: string, by: Person, summary: string): Promise<StoredScopeRequest | undefined> {
    const at = new Date(this.deps.clock.now()).toISOString();
    const r = await updateWithCasDetailed<StoredScopeRequest>(this.deps.storage, requestKey(id), (cur) => {
      const rec = cur && parseStoredScopeRequest(cur);
      return rec ? { ...rec, provisioned: { by: by.name, at, summary } } : 'abort';
    });
    const rec = r.item && parseStoredScopeRequest(r.item);
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

  private emit(record: StoredScopeRequest): void {
    for (const l of this.listeners) {
      this.track(Promise.resolve().then(() => l(record))).catch(() => undefined);
    }
  }

  /** A request record, or undefined (logged) when it is missing, unreadable or invalid: one bad record stops no sweep. */
  private async readSafely(id: string): Promise<StoredScopeRequest | undefined> {
    try {
      return await this.get(id);
    } catch (err) {
      this.options.logger?.error({ err, id }, 'approval request record is unreadable; it is skipped');
      return undefined;
    }
  }
}
