import type { Clock } from './clock';

/**
 * The one sliding-window rate limiter, for Graph (5 / 10 s for provisionOnDemand and logs) and the Teams proactive
 * queue (7 / 1 s, 8 / 2 s, … per conversation). Pure: the caller brings the time, so tests measure the limits
 * without sleeping.
 */

export interface RateLimit {
  count: number;
  ms: number;
}

/**
 * Sliding windows over start times: how soon the next start may go without passing any limit. A start at t counts
 * in (t − ms, t].
 */
export class SlidingWindows {
  private stamps: number[] = [];
  private readonly longest: number;

  constructor(private readonly limits: readonly RateLimit[]) {
    this.longest = Math.max(...limits.map((l) => l.ms));
  }

  nextAllowed(now: number): number {
    this.prune(now);
    let at = now;
    for (const limit of this.limits) {
      if (this.stamps.length >= limit.count) at = Math.max(at, this.stamps[this.stamps.length - limit.count] + limit.ms);
    }
    return at;
  }

  record(now: number): void {
    this.stamps.push(now);
  }

  get idle(): boolean {
    return this.stamps.length === 0;
  }

  prune(now: number): void {
    let drop = 0;
    while (drop < this.stamps.length && this.stamps[drop] <= now - this.longest) drop++;
    if (drop) this.stamps = this.stamps.slice(drop);
  }
}

/** The part of the clock a limiter needs. */
export type LimiterTime = Pick<Clock, 'now' | 'sleep'>;

/**
 * "N calls per window" as a queue: callers wait their turn (never fail), in order, and can learn their place in the
 * queue to show progress.
 */
export class WindowLimiter {
  private readonly windows: SlidingWindows;
  private tail: Promise<void> = Promise.resolve();
  /** The calls waiting for a slot, in order; each is told its place again whenever the queue moves. */
  private readonly waiting: { onQueued?: (ahead: number) => void }[] = [];

  /**
   * `marginMs`: the far side (Graph) counts the window on its own clock and requests arrive a little after they
   * leave, so a call exactly one window after the first would still be counted in it (the simulator answers 429
   * there, as Graph may). The window is widened by it.
   */
  constructor(
    limit: number,
    windowMs: number,
    private readonly time: LimiterTime,
    marginMs = 250,
  ) {
    this.windows = new SlidingWindows([{ count: limit, ms: windowMs + marginMs }]);
  }

  /** Calls queued and not yet started. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Runs `fn` when a slot is free. `onQueued(n)` says how many calls are ahead (0 = runs now or next): once when
   * the call is queued and again each time a call ahead of it leaves the queue, so a progress card counts down.
   */
  async run<T>(fn: () => Promise<T>, onQueued?: (ahead: number) => void): Promise<T> {
    const entry = { onQueued };
    this.waiting.push(entry);
    onQueued?.(this.waiting.length - 1);
    const turn = this.tail.then(() => this.acquire());
    this.tail = turn.catch(() => undefined);
    try {
      await turn;
    } finally {
      const at = this.waiting.indexOf(entry);
      this.waiting.splice(at, 1);
      this.waiting.slice(at).forEach((w, i) => w.onQueued?.(at + i));
    }
    return fn();
  }

  private async acquire(): Promise<void> {
    for (;;) {
      const now = this.time.now();
      const at = this.windows.nextAllowed(now);
      if (at <= now) {
        this.windows.record(now);
        return;
      }
      await this.time.sleep(at - now);
    }
  }
}

/** One WindowLimiter per key (per job, per tenant), created on first use. */
export class KeyedLimiter {
  private readonly limiters = new Map<string, WindowLimiter>();
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly time: LimiterTime,
  ) {}

  for(key: string): WindowLimiter {
    let l = this.limiters.get(key);
    if (!l) {
      l = new WindowLimiter(this.limit, this.windowMs, this.time);
      this.limiters.set(key, l);
    }
    return l;
  }

  queued(key: string): number {
    return this.limiters.get(key)?.queued ?? 0;
  }
}
