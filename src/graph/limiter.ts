/**
 * "N requests per window" on an injected clock. Callers wait their turn (never fail), in order, and can
 * learn their place in the queue to show progress. Graph publishes 5 / 10 s for provisionOnDemand and logs.
 */
export interface LimiterTime {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export class WindowLimiter {
  private readonly starts: number[] = [];
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  /**
   * `marginMs`: Graph counts the window on its own clock and requests arrive a little after they leave, so a call
   * exactly one window after the first would still be counted in it (the simulator answers 429 there, as Graph may).
   */
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly time: LimiterTime,
    private readonly marginMs = 250,
  ) {}

  /** Calls queued and not yet started. */
  get queued(): number {
    return this.waiting;
  }

  /** Runs `fn` when a slot is free. `onQueued(n)` says how many calls are ahead (0 = runs now or next). */
  async run<T>(fn: () => Promise<T>, onQueued?: (ahead: number) => void): Promise<T> {
    const ahead = this.waiting;
    this.waiting++;
    onQueued?.(ahead);
    const turn = this.tail.then(() => this.acquire());
    this.tail = turn.catch(() => undefined);
    try {
      await turn;
    } finally {
      this.waiting--;
    }
    return fn();
  }

  private async acquire(): Promise<void> {
    for (;;) {
      const now = this.time.now();
      while (this.starts.length && this.starts[0] + this.windowMs + this.marginMs <= now) this.starts.shift();
      if (this.starts.length < this.limit) {
        this.starts.push(now);
        return;
      }
      await this.time.sleep(this.starts[0] + this.windowMs + this.marginMs - now);
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
