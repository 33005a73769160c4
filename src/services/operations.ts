import { randomBytes } from 'node:crypto';
import type { Storage } from '../store';
import type { SyncConfiguration } from '../config';
import type { Clock } from '../domain/clock';
import { auditActionOf, describeAction, JOB_RESTART_SCOPES, RESET_SCOPE, type JobAction } from '../domain/jobActions';
import { GraphError, GraphOutcomeUnknownError } from '../graph/errors';
import type { CtsGraph } from '../graph/gateway';
import type { AppRoleAssignment, ProvisioningLogEntry, SyncJob } from '../graph/schemas';
import type { DeletionThreshold } from '../graph/jobs';
import { AuditRewriteError, canListKeys, createIfAbsent, readItem, updateWithCasDetailed, type AuditLog } from '../store';
import type { Logger } from '../logger';
import { z } from 'zod';
import type { Configurations, JobRead } from './configurations';
import type { JobsReading } from './monitor';

// Moved to domain/jobActions; re-exported so callers (teams/alerts among them) keep compiling.
export { describeAction, RESET_SCOPE, type JobAction } from '../domain/jobActions';

export interface Actor {
  aadObjectId: string;
  name: string;
}

export interface ActionOutcome {
  ok: boolean;
  /** true when nothing was sent because the job already was in the wanted state. */
  unchanged?: boolean;
  message: string;
  requestId?: string;
  /** The job's state code after the action, when read. */
  state?: string;
}

/** A confirmation waiting on a card: what was asked, by whom, and — once someone clicks — what happened. */
export interface PendingOperation {
  schemaVersion: 1;
  id: string;
  configuration: string;
  action: JobAction;
  proposedBy: Actor;
  proposedAt: string;
  expiresAt: string;
  status: 'pending' | 'executing' | 'done' | 'failed' | 'cancelled';
  decidedBy?: Actor;
  decidedAt?: string;
  outcome?: ActionOutcome;
  /** false while the outcome is stored but its audit event is not yet (reconcile writes it). */
  audited?: boolean;
}

const ActorSchema = z.object({ aadObjectId: z.string(), name: z.string() });
const PendingOperationSchema = z.object({
  schemaVersion: z.literal(1),
  id: z.string(),
  configuration: z.string(),
  action: z.union([
    z.object({ kind: z.literal('start') }),
    z.object({ kind: z.literal('pause') }),
    z.object({ kind: z.literal('restart'), scope: z.enum(JOB_RESTART_SCOPES) }),
  ]),
  proposedBy: ActorSchema,
  proposedAt: z.string(),
  expiresAt: z.string(),
  status: z.enum(['pending', 'executing', 'done', 'failed', 'cancelled']),
  decidedBy: ActorSchema.optional(),
  decidedAt: z.string().optional(),
  outcome: z
    .object({ ok: z.boolean(), unchanged: z.boolean().optional(), message: z.string(), requestId: z.string().optional(), state: z.string().optional() })
    .optional(),
  audited: z.boolean().optional(),
});

export const CONFIRMATION_TTL_MS = 15 * 60 * 1000;
const OPS_PREFIX = 'ops/';
const opKey = (id: string) => `${OPS_PREFIX}${id}`;

export interface StatusRow {
  config: SyncConfiguration;
  job?: SyncJob;
  error?: string;
}

/** The overview `status` shows, and where it came from: the monitor's latest poll, or a read made for this request. */
export interface StatusOverview {
  rows: StatusRow[];
  /** When the jobs were read (ms since the epoch). */
  readAt: number;
  source: 'monitor' | 'live';
}

export interface StatusDetail {
  config: SyncConfiguration;
  job?: SyncJob;
  jobError?: string;
  scope?: { users: number; groups: number };
  scopeError?: string;
  threshold?: DeletionThreshold;
  thresholdError?: string;
  failures?: ProvisioningLogEntry[];
  failuresError?: string;
}

/** Whether a job is already doing what `start` would make it do (the docs say not to call start on a running job). */
export function isRunning(job: SyncJob): boolean {
  const state = job.schedule?.state ?? 'Active';
  return (job.status.code === 'Active' || job.status.code === 'NotRun') && state === 'Active';
}

export function isPaused(job: SyncJob): boolean {
  return job.status.code === 'Paused' || job.schedule?.state === 'Paused' || job.schedule?.state === 'Disabled';
}

/**
 * Start, pause and restart of sync jobs, with the rules an Entra admin expects: no start on a running job, no write
 * retried blindly when its outcome is unknown (read the job instead), every action audited with Graph's request id.
 * Pause and restart are proposed first and executed when someone confirms on the card — exactly once, by CAS.
 *
 * Every action is recorded as `executing` (the intent: what, on which job, decided by whom) before Graph is called,
 * so a process killed after the call leaves a record that reconcile() finishes by READING the job; the audit event
 * has a fixed id per operation, so writing it again after a crash never makes a second one, and an audit write that
 * fails is retried by reconcile instead of turning an action that happened into a reported failure.
 */
export class OperationsService {
  private readonly executedListeners: ((event: { config: SyncConfiguration; action: JobAction; actor: Actor; outcome: ActionOutcome }) => void)[] = [];
  private snapshots?: { latest: () => JobsReading | undefined; maxAgeMs: number };
  /** When the last action of this process finished: an older reading cannot show its effect. */
  private lastActionAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly configs: Configurations,
    private readonly graph: CtsGraph,
    private readonly audit: AuditLog,
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly newId: () => string = () => randomBytes(6).toString('base64url'),
    private readonly logger?: Logger,
  ) {}

  /** Every configuration's job, read through $batch (one request per source tenant for up to 20 jobs). */
  async statusAll(): Promise<StatusRow[]> {
    return statusRows(await this.configs.readAllJobs());
  }

  /**
   * Lets the overview answer from the monitor's latest reading while it is younger than `maxAgeMs` (the poll interval):
   * the monitor reads the same jobs anyway, and a `status` from every admin need not cost Graph another $batch per tenant.
   */
  useSnapshots(latest: () => JobsReading | undefined, maxAgeMs: number): void {
    this.snapshots = { latest, maxAgeMs };
  }

  /** The overview: the monitor's reading when fresh and newer than this process's last action, else read now. */
  async statusOverview(options: { live?: boolean } = {}): Promise<StatusOverview> {
    const reading = options.live ? undefined : this.snapshots?.latest();
    const now = this.clock.now();
    if (reading && now - reading.readAt < this.snapshots!.maxAgeMs && reading.readAt > this.lastActionAt) {
      return { rows: statusRows(reading.reads), readAt: reading.readAt, source: 'monitor' };
    }
    return { rows: await this.statusAll(), readAt: now, source: 'live' };
  }

  /** One configuration in depth; each part is read on its own so one failure does not hide the rest. */
  async statusDetail(config: SyncConfiguration): Promise<StatusDetail> {
    const detail: StatusDetail = { config };
    const ref = await this.configs.jobRef(config).catch((err) => {
      detail.jobError = errorText(err);
      return undefined;
    });
    const [job, scope, threshold, failures] = await Promise.allSettled([
      ref ? this.graph.getJob(ref) : Promise.reject(new Error(detail.jobError)),
      this.graph.listAssignments(config.sourceTenantId, config.servicePrincipalId),
      this.graph.deletionThreshold(config.sourceTenantId, config.servicePrincipalId),
      ref ? this.graph.provisioningLogs(config.sourceTenantId, { jobId: ref.jobId, status: 'failure', top: 5 }) : Promise.resolve([]),
    ]);
    if (job.status === 'fulfilled') detail.job = job.value;
    else detail.jobError ??= errorText(job.reason);
    if (scope.status === 'fulfilled') detail.scope = countScope(scope.value);
    else detail.scopeError = errorText(scope.reason);
    if (threshold.status === 'fulfilled') detail.threshold = threshold.value;
    else detail.thresholdError = errorText(threshold.reason);
    if (failures.status === 'fulfilled') detail.failures = failures.value;
    else detail.failuresError = errorText(failures.reason);
    return detail;
  }

  /** Called after every executed action (e.g. to mark an alert card "action taken by …"). Listener errors are ignored. */
  onExecuted(listener: (event: { config: SyncConfiguration; action: JobAction; actor: Actor; outcome: ActionOutcome }) => void): void {
    this.executedListeners.push(listener);
  }

  /** Runs an action now (the caller has checked the permission with fresh roles): intent stored, Graph, outcome, audit. */
  async run(config: SyncConfiguration, action: JobAction, actor: Actor): Promise<ActionOutcome> {
    const now = new Date(this.clock.now()).toISOString();
    const op: PendingOperation = {
      schemaVersion: 1,
      id: this.newId(),
      configuration: config.name,
      action,
      proposedBy: actor,
      proposedAt: now,
      expiresAt: now,
      status: 'executing',
      decidedBy: actor,
      decidedAt: now,
    };
    if (!(await createIfAbsent(this.storage, opKey(op.id), op))) throw new Error(`operation id ${op.id} is taken`);
    return (await this.carryOut(op, 'fresh')).outcome!;
  }

  async propose(config: SyncConfiguration, action: JobAction, actor: Actor): Promise<PendingOperation> {
    const now = this.clock.now();
    const op: PendingOperation = {
      schemaVersion: 1,
      id: this.newId(),
      configuration: config.name,
      action,
      proposedBy: actor,
      proposedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + CONFIRMATION_TTL_MS).toISOString(),
      status: 'pending',
    };
    // Create-only: a clash of random ids must never overwrite someone else's pending operation.
    if (!(await createIfAbsent(this.storage, opKey(op.id), op))) throw new Error(`operation id ${op.id} is taken`);
    return op;
  }

  async getOperation(id: string): Promise<PendingOperation | undefined> {
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) return undefined;
    const item = await readItem(this.storage, opKey(id));
    if (!item) return undefined;
    // Stored state is outside input too: a record that does not parse is treated as absent, never acted on.
    const parsed = PendingOperationSchema.safeParse(item);
    return parsed.success ? parsed.data : undefined;
  }

  /**
   * Executes a proposed operation once. Only the click that moves it from pending to executing runs the action;
   * every other click (double click, a second operator, a retried invoke) gets the operation as it stands.
   */
  async confirm(id: string, actor: Actor): Promise<{ op: PendingOperation; ran: boolean } | undefined> {
    const now = this.clock.now();
    const claim = await updateWithCasDetailed<PendingOperation>(this.storage, opKey(id), (op) => {
      if (!op || op.status !== 'pending' || Date.parse(op.expiresAt) <= now) return 'abort';
      return { ...op, status: 'executing', decidedBy: actor, decidedAt: new Date(now).toISOString() };
    });
    const op = claim.item;
    if (!op) return undefined;
    if (claim.outcome !== 'committed') return { op, ran: false };
    return { op: await this.carryOut(op, 'fresh'), ran: true };
  }

  /**
   * Finishes what a crash left behind: operations still `executing` are settled by reading the job (never by sending
   * again), and outcomes whose audit event was not written get it. `minAgeMs` leaves alone operations another
   * instance may still be carrying out. Needs a store that can list keys; otherwise there is nothing to find.
   */
  async reconcile(options: { minAgeMs?: number } = {}): Promise<PendingOperation[]> {
    if (!canListKeys(this.storage)) return [];
    const now = this.clock.now();
    const out: PendingOperation[] = [];
    for (const key of await this.storage.listKeys(OPS_PREFIX)) {
      const op = await this.getOperation(key.slice(OPS_PREFIX.length)).catch((err) => {
        this.logger?.error({ err, key }, 'stored operation is unreadable; it is skipped');
        return undefined;
      });
      if (!op) continue;
      if (op.status === 'executing') {
        if (now - Date.parse(op.decidedAt ?? op.proposedAt) < (options.minAgeMs ?? 0)) continue;
        out.push(await this.carryOut(op, 'reconcile'));
      } else if ((op.status === 'done' || op.status === 'failed') && op.audited === false) {
        await this.auditOutcome(op);
        out.push(op);
      }
    }
    return out;
  }

  /**
   * Graph (or, after a crash, a read of the job), then the outcome by CAS, then the audit event. A failure to store
   * or audit is logged loudly and left for reconcile; it never changes what the person is told happened.
   */
  private async carryOut(op: PendingOperation, mode: 'fresh' | 'reconcile'): Promise<PendingOperation> {
    const config = this.configs.find(op.configuration);
    const actor = op.decidedBy ?? op.proposedBy;
    let outcome: ActionOutcome;
    if (!config) outcome = { ok: false, message: `configuration ${op.configuration} no longer exists` };
    else if (mode === 'fresh') {
      outcome = await this.execute(config, op.action).catch((err): ActionOutcome => ({ ok: false, message: errorText(err), requestId: requestIdOf(err) }));
      // A snapshot read before this action no longer tells the job's state.
      this.lastActionAt = this.clock.now();
    } else outcome = await this.settleByReading(config, op.action);
    const status = outcome.ok ? 'done' : 'failed';
    let final: PendingOperation = { ...op, status, outcome, audited: false };
    try {
      const done = await updateWithCasDetailed<PendingOperation>(this.storage, opKey(op.id), (current) =>
        current && current.status === 'executing' ? { ...current, status, outcome, audited: false } : 'abort',
      );
      if (done.outcome !== 'committed' && done.item) return done.item; // someone else finished it
    } catch (err) {
      this.logger?.error({ err, op: op.id }, 'operation outcome not stored; reconcile will settle it by reading the job');
    }
    final = await this.auditOutcome(final);
    if (config) {
      for (const listener of this.executedListeners) {
        try {
          listener({ config, action: op.action, actor, outcome });
        } catch {
          // A listener must never undo or hide an action that already ran.
        }
      }
    }
    return final;
  }

  /** After a crash: what the job shows now. Start and pause can be confirmed; a restart leaves no trace to read. */
  private async settleByReading(config: SyncConfiguration, action: JobAction): Promise<ActionOutcome> {
    const ref = await this.configs.jobRef(config).catch(() => undefined);
    const job = ref ? await this.graph.getJob(ref).catch(() => undefined) : undefined;
    const confirmed = job && ((action.kind === 'start' && isRunning(job)) || (action.kind === 'pause' && isPaused(job)));
    if (confirmed)
      return { ok: true, state: job.status.code, message: `${config.name}: ${describeAction(action)} confirmed by reading the job after the bot restarted.` };
    return {
      ok: false,
      state: job?.status.code,
      message: `The bot stopped while carrying out the ${describeAction(action)} of ${config.name}, so it may or may not have happened${job ? ` (the job is now ${job.status.code})` : ''}. Check "status ${config.name}" before trying again.`,
    };
  }

  /** One audit event per operation (fixed id and time), so writing it again after a crash finds it instead of doubling it. */
  private async auditOutcome(op: PendingOperation): Promise<PendingOperation> {
    const outcome = op.outcome!;
    const actor = op.decidedBy ?? op.proposedBy;
    try {
      await this.audit.appendRecord({
        schemaVersion: 1,
        id: `op-${op.id}`,
        at: op.decidedAt ?? op.proposedAt,
        actor: { aadObjectId: actor.aadObjectId, name: actor.name },
        action: auditActionOf(op.action),
        configuration: op.configuration,
        ...(op.action.kind === 'restart' ? { target: RESET_SCOPE[op.action.scope] } : {}),
        outcome: outcome.ok ? 'ok' : 'failed',
        detail: outcome.message.slice(0, 2000),
        ...(outcome.requestId ? { graphRequestId: outcome.requestId } : {}),
      });
    } catch (err) {
      if (!(err instanceof AuditRewriteError)) {
        this.logger?.error({ err, op: op.id }, 'AUDIT WRITE FAILED for a job operation that ran; reconcile retries it');
        return op;
      }
    }
    await updateWithCasDetailed<PendingOperation>(this.storage, opKey(op.id), (current) =>
      current && current.audited === false ? { ...current, audited: true } : 'abort',
    ).catch((err) => this.logger?.warn({ err, op: op.id }, 'operation audited but not marked so; reconcile finds the event already there'));
    return { ...op, audited: true };
  }

  async cancel(id: string, actor: Actor): Promise<PendingOperation | undefined> {
    const now = this.clock.now();
    const result = await updateWithCasDetailed<PendingOperation>(this.storage, opKey(id), (op) =>
      op && op.status === 'pending' ? { ...op, status: 'cancelled', decidedBy: actor, decidedAt: new Date(now).toISOString() } : 'abort',
    );
    return result.item;
  }

  isExpired(op: PendingOperation): boolean {
    return op.status === 'pending' && Date.parse(op.expiresAt) <= this.clock.now();
  }

  private async execute(config: SyncConfiguration, action: JobAction): Promise<ActionOutcome> {
    const ref = await this.configs.jobRef(config);
    const before = await this.graph.getJob(ref);
    if (action.kind === 'start' && isRunning(before)) {
      return { ok: true, unchanged: true, state: before.status.code, message: `${config.name} is already running (${before.status.code}); nothing was sent.` };
    }
    if (action.kind === 'pause' && isPaused(before)) {
      return { ok: true, unchanged: true, state: before.status.code, message: `${config.name} is already paused; nothing was sent.` };
    }
    const send = () =>
      action.kind === 'start'
        ? this.graph.startJob(ref)
        : action.kind === 'pause'
          ? this.graph.pauseJob(ref)
          : this.graph.restartJob(ref, RESET_SCOPE[action.scope]);
    let requestId: string | undefined;
    try {
      requestId = (await send())?.requestId;
    } catch (err) {
      if (!(err instanceof GraphOutcomeUnknownError)) throw err;
      // The request may or may not have run: read the job rather than send it again.
      const after = await this.graph.getJob(ref).catch(() => undefined);
      const confirmed = after && ((action.kind === 'start' && isRunning(after)) || (action.kind === 'pause' && isPaused(after)));
      if (confirmed)
        return {
          ok: true,
          state: after.status.code,
          message: `${config.name}: ${describeAction(action)} confirmed by reading the job after Graph's answer was lost.`,
        };
      return {
        ok: false,
        state: after?.status.code,
        message: `Graph did not answer the ${describeAction(action)} of ${config.name}, so it may or may not have happened${after ? ` (the job is now ${after.status.code})` : ''}. Check "status ${config.name}" before trying again.`,
      };
    }
    const after = await this.graph.getJob(ref).catch(() => undefined);
    return {
      ok: true,
      state: after?.status.code,
      message: `${config.name}: ${describeAction(action)} sent${after ? `; the job is now ${after.status.code}` : ''}.`,
      ...(requestId ? { requestId } : {}),
    };
  }
}

function statusRows(reads: JobRead[]): StatusRow[] {
  return reads.map((r) => ('job' in r ? { config: r.config, job: r.job } : { config: r.config, error: errorText(r.error) }));
}

function countScope(assignments: AppRoleAssignment[]): { users: number; groups: number } {
  let users = 0;
  let groups = 0;
  for (const a of assignments) {
    if (a.principalType === 'Group') groups++;
    else users++;
  }
  return { users, groups };
}

export function errorText(err: unknown): string {
  if (err instanceof GraphError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

export function requestIdOf(err: unknown): string | undefined {
  const id = (err as { requestId?: unknown })?.requestId;
  return typeof id === 'string' ? id : undefined;
}
