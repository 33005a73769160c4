import type { TeamsAdapter } from '@microsoft/teams-ai';
import { MessageFactory, type Activity, type TurnContext } from 'botbuilder';
import { backoffDelay, mayRetry, parseRetryAfter } from '../domain/backoff';
import { systemClock, type Clock } from '../domain/clock';
import { SlidingWindows, type RateLimit } from '../domain/rateLimit';
import type { Logger } from '../logger';
import { sendRetried } from '../observability';
import type { ConversationTarget, Notifier, OutgoingCard, SendResult } from '../services/ports';
import { cardAttachment, type AdaptiveCard } from './cards';

/**
 * Proactive sends through one queue that keeps to Teams' rate limits (reference/teams-bots.md):
 * per conversation 7 / 1 s, 8 / 2 s, 60 / 30 s, 1,800 / 3,600 s; per app per tenant 50 / s. One send per conversation
 * is in flight at a time (so a post and the update of that post keep their order). 429 waits for Retry-After,
 * 412/502/503/504 and lost connections back off exponentially with jitter up to a cap; 403/404 mean the bot was
 * removed or blocked and are never retried. The clock is injected so tests measure the limits without sleeping.
 */

export const CONVERSATION_LIMITS: readonly RateLimit[] = [
  { count: 7, ms: 1_000 },
  { count: 8, ms: 2_000 },
  { count: 60, ms: 30_000 },
  { count: 1_800, ms: 3_600_000 },
];
export const GLOBAL_LIMITS: readonly RateLimit[] = [{ count: 50, ms: 1_000 }];

/** What a failed connector call told us. status 0 = no answer (connection refused or reset). */
export interface ConnectorFailure {
  status: number;
  code?: string;
  retryAfterMs?: number;
}

/** The wire: one send or update, no retries of its own. */
export interface ConnectorTransport {
  send(target: ConversationTarget, activity: Partial<Activity>): Promise<string>;
  update(target: ConversationTarget, activityId: string, activity: Partial<Activity>): Promise<void>;
}

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Give up (the caller keeps the work) when the next wait would pass this much time since the first attempt. */
  maxTotalMs: number;
}

export const SEND_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 1_000, maxDelayMs: 30_000, maxTotalMs: 120_000 };

const RETRYABLE = new Set([0, 412, 429, 502, 503, 504]);
const GONE = new Set([403, 404]);

/** Wait before attempt `attempt + 1`: Retry-After when given, else exponential with "equal jitter", capped. */
export function retryDelay(failure: ConnectorFailure, attempt: number, policy: RetryPolicy, random: () => number): number {
  if (failure.retryAfterMs !== undefined && failure.retryAfterMs >= 0) return failure.retryAfterMs;
  return backoffDelay(attempt, policy, random);
}

interface Job {
  target: ConversationTarget;
  run: () => Promise<string | undefined>;
  resolve: (r: SendResult) => void;
  attempt: number;
  firstAt: number;
  notBefore: number;
}

interface Lane {
  jobs: Job[];
  busy: boolean;
  windows: SlidingWindows;
  tenant: string;
}

export interface NotifierOptions {
  transport: ConnectorTransport;
  clock?: Clock;
  retry?: Partial<RetryPolicy>;
  conversationLimits?: readonly RateLimit[];
  globalLimits?: readonly RateLimit[];
  /** Sends in flight at once across all conversations. */
  maxInFlight?: number;
  logger?: Logger;
}

export class TeamsNotifier implements Notifier {
  private readonly clock: Clock;
  private readonly retry: RetryPolicy;
  private readonly lanes = new Map<string, Lane>();
  private readonly tenants = new Map<string, SlidingWindows>();
  private readonly order: string[] = [];
  private inFlight = 0;
  private running = false;
  private wake?: () => void;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: NotifierOptions) {
    this.clock = options.clock ?? systemClock;
    this.retry = { ...SEND_RETRY, ...options.retry };
  }

  post(target: ConversationTarget, message: OutgoingCard): Promise<SendResult> {
    return this.enqueue(target, () => this.options.transport.send(target, toActivity(message)));
  }

  update(target: ConversationTarget, activityId: string, message: OutgoingCard): Promise<SendResult> {
    return this.enqueue(target, async () => {
      await this.options.transport.update(target, activityId, { ...toActivity(message), id: activityId });
      return activityId;
    });
  }

  /** Resolves when nothing is queued or in flight (tests and shutdown). */
  idle(): Promise<void> {
    if (!this.running && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get queued(): number {
    let n = 0;
    for (const lane of this.lanes.values()) n += lane.jobs.length;
    return n;
  }

  private enqueue(target: ConversationTarget, run: () => Promise<string | undefined>): Promise<SendResult> {
    return new Promise<SendResult>((resolve) => {
      const now = this.clock.now();
      let lane = this.lanes.get(target.key);
      if (!lane) {
        lane = { jobs: [], busy: false, windows: new SlidingWindows(this.options.conversationLimits ?? CONVERSATION_LIMITS), tenant: tenantOf(target) };
        this.lanes.set(target.key, lane);
        this.order.push(target.key);
      }
      lane.jobs.push({ target, run, resolve, attempt: 0, firstAt: now, notBefore: now });
      this.kick();
    });
  }

  private tenantWindows(tenant: string): SlidingWindows {
    let w = this.tenants.get(tenant);
    if (!w) {
      w = new SlidingWindows(this.options.globalLimits ?? GLOBAL_LIMITS);
      this.tenants.set(tenant, w);
    }
    return w;
  }

  private kick(): void {
    if (this.wake) {
      const wake = this.wake;
      this.wake = undefined;
      wake();
    }
    if (!this.running) {
      this.running = true;
      void this.loop().catch((err) => this.options.logger?.error({ err }, 'proactive send queue stopped'));
    }
  }

  /** The only place that waits: picks the next send allowed now, or sleeps until one will be. */
  private async loop(): Promise<void> {
    const maxInFlight = this.options.maxInFlight ?? 16;
    for (;;) {
      const now = this.clock.now();
      let wakeAt = Infinity;
      let started = false;
      if (this.inFlight < maxInFlight) {
        for (let i = 0; i < this.order.length; i++) {
          const key = this.order[i];
          const lane = this.lanes.get(key)!;
          if (lane.busy || !lane.jobs.length) continue;
          const job = lane.jobs[0];
          const global = this.tenantWindows(lane.tenant);
          const at = Math.max(job.notBefore, lane.windows.nextAllowed(now), global.nextAllowed(now));
          if (at > now) {
            wakeAt = Math.min(wakeAt, at);
            continue;
          }
          lane.windows.record(now);
          global.record(now);
          lane.busy = true;
          this.inFlight++;
          // Round robin: this conversation goes to the back so one busy chat cannot starve the others.
          this.order.splice(i, 1);
          this.order.push(key);
          started = true;
          void this.attempt(lane, job);
          break;
        }
      }
      if (started) continue;
      this.cleanup(now);
      if (!this.queuedOrBusy()) {
        this.running = false;
        const waiters = this.idleWaiters.splice(0);
        waiters.forEach((w) => w());
        return;
      }
      const woken = new Promise<void>((resolve) => (this.wake = resolve));
      if (wakeAt === Infinity || this.inFlight >= maxInFlight) await woken;
      else await Promise.race([this.clock.sleep(wakeAt - now), woken]);
      this.wake = undefined;
    }
  }

  private queuedOrBusy(): boolean {
    if (this.inFlight > 0) return true;
    for (const lane of this.lanes.values()) if (lane.jobs.length) return true;
    return false;
  }

  /** Forgets conversations with nothing queued and no send in the last hour (memory stays bounded). */
  private cleanup(now: number): void {
    for (const [key, lane] of this.lanes) {
      if (lane.busy || lane.jobs.length) continue;
      lane.windows.prune(now);
      if (lane.windows.idle) {
        this.lanes.delete(key);
        this.order.splice(this.order.indexOf(key), 1);
      }
    }
  }

  private async attempt(lane: Lane, job: Job): Promise<void> {
    job.attempt++;
    let result: SendResult | undefined;
    try {
      const id = await job.run();
      result = { ok: true, activityId: id ?? '' };
    } catch (err) {
      const failure = connectorFailureOf(err, this.clock.now());
      if (GONE.has(failure.status)) {
        result = { ok: false, gone: true, status: failure.status, code: failure.code };
      } else if (RETRYABLE.has(failure.status)) {
        const now = this.clock.now();
        const wait = retryDelay(failure, job.attempt, this.retry, () => this.clock.random());
        if (mayRetry(job.attempt, this.retry.maxAttempts, now - job.firstAt, wait, this.retry.maxTotalMs)) {
          job.notBefore = now + wait;
          this.options.logger?.debug(
            { conversation: job.target.key, status: failure.status, attempt: job.attempt, waitMs: wait },
            'proactive send will be retried',
          );
        } else {
          result = { ok: false, gone: false, status: failure.status, code: failure.code };
        }
      } else {
        result = { ok: false, gone: false, status: failure.status, code: failure.code };
      }
      if (result)
        this.options.logger?.warn({ conversation: job.target.key, status: failure.status, code: failure.code, attempts: job.attempt }, 'proactive send failed');
    }
    if (result) {
      lane.jobs.shift();
      job.resolve(result);
    }
    lane.busy = false;
    this.inFlight--;
    this.kick();
  }
}

function tenantOf(target: ConversationTarget): string {
  const conversation = target.reference.conversation as { tenantId?: string } | undefined;
  return conversation?.tenantId ?? 'unknown';
}

function toActivity(message: OutgoingCard): Partial<Activity> {
  const activity = MessageFactory.attachment(cardAttachment(message.card as AdaptiveCard));
  activity.summary = message.summary;
  return activity;
}

/**
 * botbuilder's connector client throws an @azure RestError: the HTTP status is `statusCode` (also
 * `response.status`), Teams' error code (`Throttled`, `ConversationBlockedByUser`…) is `code`, and Retry-After is a
 * response header (seconds or an HTTP date, read against `nowMs`). Anything without a status (refused, reset, DNS) is status 0.
 */
export function connectorFailureOf(err: unknown, nowMs: number): ConnectorFailure {
  const e = err as { statusCode?: unknown; code?: unknown; response?: { status?: unknown; headers?: { get?: (name: string) => string | undefined | null } } };
  const status = typeof e?.statusCode === 'number' ? e.statusCode : typeof e?.response?.status === 'number' ? e.response.status : 0;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const header = e?.response?.headers?.get?.('retry-after') ?? undefined;
  return { status, code, retryAfterMs: parseRetryAfter(header, nowMs) };
}

/**
 * The transport over the adapter: `continueConversationAsync(botAppId, reference, logic)` (an empty app id takes the
 * adapter's anonymous path, loopback only). Two things are undone inside the turn:
 *  - the connector client's own retry policy (core-rest-pipeline retries 429/5xx by itself, outside our limits and
 *    our clock): removed from the client of this turn, so every attempt passes through the queue;
 *  - the continuation activity's id, which would turn the send into a reply to a message that does not exist.
 */
export function adapterTransport(adapter: TeamsAdapter, botAppId: string, logger?: Logger): ConnectorTransport {
  let warned = false;
  const withTurn = async (target: ConversationTarget, logic: (context: TurnContext) => Promise<void>) => {
    // The adapter hands errors thrown inside the turn to onTurnError and returns normally: keep the error ourselves.
    let failure: { error: unknown } | undefined;
    await adapter.continueConversationAsync(botAppId, target.reference, async (context) => {
      const client = context.turnState.get<{ client?: { pipeline?: { removePolicy(o: { phase: string }): unknown } } } | undefined>(
        (context.adapter as { ConnectorClientKey?: symbol }).ConnectorClientKey ?? Symbol.for('none'),
      );
      if (client?.client?.pipeline) client.client.pipeline.removePolicy({ phase: 'Retry' });
      else if (!warned) {
        warned = true;
        logger?.warn('connector client pipeline not found: its own retries stay on');
      }
      try {
        await logic(context);
      } catch (error) {
        failure = { error };
      }
    });
    if (failure) throw failure.error;
  };
  return {
    async send(target, activity) {
      let id = '';
      await withTurn(target, async (context) => {
        context.activity.id = undefined;
        const response = await context.sendActivity(activity);
        id = response?.id ?? '';
      });
      return id;
    },
    async update(target, activityId, activity) {
      await withTurn(target, async (context) => {
        await context.updateActivity({ ...activity, id: activityId });
      });
    },
  };
}

/** Counts proactive sends that fail with a status the notifier retries (the metric; the notifier decides). */
export function countingRetries(transport: ConnectorTransport): ConnectorTransport {
  const counted = async <T>(send: () => Promise<T>): Promise<T> => {
    try {
      return await send();
    } catch (err) {
      const status = Number((err as { statusCode?: unknown }).statusCode ?? 0);
      if ([0, 412, 429, 502, 503, 504].includes(status)) sendRetried(status);
      throw err;
    }
  };
  return {
    send: (target, activity) => counted(() => transport.send(target, activity)),
    update: (target, activityId, activity) => counted(() => transport.update(target, activityId, activity)),
  };
}
