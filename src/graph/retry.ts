import type { Context, Middleware, MiddlewareOptions } from '@microsoft/microsoft-graph-client';
import { backoffDelay, mayRetry, parseRetryAfter } from '../domain/backoff';
import { systemClock, type Clock } from '../domain/clock';
import { GraphError, GraphOutcomeUnknownError } from './errors';

/**
 * Our own retry middleware for the Graph client: the library's RetryHandler retries POSTs blindly and
 * sleeps on the real clock, and a CTS write (start, restart, assign) must never be sent twice unknowingly.
 */

export interface RetrySettings {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Never wait past this much time since the first attempt, counting the wait itself. */
  maxTotalMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Per attempt, headers and body. provisionOnDemand typically answers in < 30 s. */
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetrySettings = { maxAttempts: 5, maxTotalMs: 90_000, baseDelayMs: 1_000, maxDelayMs: 30_000, timeoutMs: 45_000 };

/** Per-request facts the middleware needs, passed through the client's middlewareOptions. */
export class RequestPolicy implements MiddlewareOptions {
  /** Set by a middleware when it gives up with one of our typed errors; the caller rethrows it. */
  failure?: Error;
  attempts = 0;
  constructor(
    readonly operation: string,
    /** Overrides the method's default: a `$batch` of GETs is a read even though it is a POST. */
    readonly idempotent?: boolean,
    readonly timeoutMs?: number,
  ) {}
}

export interface RetryEvent {
  operation: string;
  method: string;
  attempt: number;
  status: number;
  delayMs: number;
  reason: string;
}

/**
 * Methods resent after a failure. DELETE is not among them although HTTP calls it idempotent: a DELETE that was
 * applied and then answered 5xx, sent again, gets 404, and the caller could no longer tell "removed" from "absent".
 */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'OPTIONS']);
/** Errors where the request provably never left this machine, so even a POST can go again. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

export class RetryMiddleware implements Middleware {
  private next?: Middleware;

  constructor(
    private readonly settings: RetrySettings = DEFAULT_RETRY,
    private readonly time: Clock = systemClock,
    private readonly onRetry?: (e: RetryEvent) => void,
  ) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    if (!this.next) throw new Error('RetryMiddleware needs a next middleware');
    const policy = context.middlewareControl?.getMiddlewareOptions(RequestPolicy) as RequestPolicy | undefined;
    const operation = policy?.operation ?? 'call Microsoft Graph';
    const method = (context.options?.method ?? 'GET').toUpperCase();
    const idempotent = policy?.idempotent ?? IDEMPOTENT.has(method);
    const timeoutMs = policy?.timeoutMs ?? this.settings.timeoutMs;
    const started = this.time.now();
    context.options = context.options ?? {};

    const fail = (err: Error): never => {
      if (policy) policy.failure = err;
      throw err;
    };

    for (let attempt = 1; ; attempt++) {
      if (policy) policy.attempts = attempt;
      const controller = new AbortController();
      let timedOut = false;
      const timer = this.time.setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      context.options.signal = controller.signal;
      let status: number;
      let retryAfterMs: number | undefined;
      try {
        await this.next.execute(context);
        const raw = context.response;
        if (!raw) throw new Error('no response');
        // Read the body under the same timer, then hand on a buffered copy the caller can read at leisure.
        const text = await raw.text();
        status = raw.status;
        context.response = new Response(status === 204 || status === 304 ? null : text, { status, statusText: raw.statusText, headers: raw.headers });
        retryAfterMs = parseRetryAfter(raw.headers.get('retry-after'), this.time.now());
      } catch (err) {
        if (policy?.failure) throw policy.failure;
        const reason = timedOut ? 'timeout' : 'connection';
        const neverSent = !timedOut && NEVER_SENT.has(errorCode(err));
        if (!idempotent && !neverSent) fail(new GraphOutcomeUnknownError(operation, reason));
        const delay = this.backoff(attempt);
        if (this.mayRetry(attempt, started, delay)) {
          this.onRetry?.({ operation, method, attempt, status: 0, delayMs: delay, reason });
          await this.time.sleep(delay);
          continue;
        }
        fail(
          new GraphError({
            operation,
            status: 0,
            code: timedOut ? 'Timeout' : 'ConnectionFailed',
            graphMessage: timedOut ? `no answer within ${Math.round(timeoutMs / 1000)} s` : 'the connection failed',
          }),
        );
      } finally {
        this.time.clearTimeout(timer);
      }

      // A write answered 5xx may have been applied, Retry-After or not (a gateway can time out after the backend
      // acted): it is never resent here; the caller reads back. Only 429 says Graph refused before doing anything.
      const retryable = idempotent ? status! === 429 || status! === 502 || status! === 503 || status! === 504 : status! === 429;
      if (retryable) {
        // Graph says how long; waiting less only burns quota. Jitter spreads a herd of pollers.
        const delay = retryAfterMs !== undefined ? retryAfterMs + Math.floor(this.time.random() * 250) : this.backoff(attempt);
        if (this.mayRetry(attempt, started, delay)) {
          this.onRetry?.({ operation, method, attempt, status: status!, delayMs: delay, reason: `HTTP ${status!}` });
          await this.time.sleep(delay);
          continue;
        }
        return; // the caller turns the last throttled answer into a GraphError (isThrottled)
      }
      if (!idempotent && status! >= 500 && status! <= 599) {
        fail(new GraphOutcomeUnknownError(operation, 'server', status!, context.response?.headers.get('request-id') ?? undefined));
      }
      return;
    }
  }

  private backoff(attempt: number): number {
    return backoffDelay(attempt, this.settings, () => this.time.random());
  }

  private mayRetry(attempt: number, started: number, delay: number): boolean {
    return mayRetry(attempt, this.settings.maxAttempts, this.time.now() - started, delay, this.settings.maxTotalMs);
  }
}

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  const code = e?.cause?.code ?? e?.code;
  return typeof code === 'string' ? code : '';
}
