/**
 * The one clock of the bot: time, waiting, timers and dice are injected everywhere (monitor, expiry, rate limits,
 * retries, leases) so tests never sleep for them. Pure: the system clock below only wraps the runtime's own.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`. */
  sleep(ms: number): Promise<void>;
  /** Runs `fn` after `ms`. A system timer does not keep the process alive by itself. */
  setTimeout(fn: () => unknown, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /** A number in [0, 1) for jitter. */
  random(): number;
}

/** Opaque: only the clock that made it can clear it. */
export type TimerHandle = unknown;

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
  setTimeout: (fn, ms) => {
    const t = setTimeout(() => void fn(), Math.max(0, ms));
    // Background upkeep (monitor ticks, lease renewal, request timeouts) must not keep a finished process alive.
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  random: () => Math.random(),
};

interface ManualTimer {
  at: number;
  seq: number;
  fn: () => unknown;
}

/**
 * A clock tests move by hand. `advance` fires the timers that fall due, in order, each with the clock set to its
 * own deadline; `sleep` is an advance (time passes only when the code under test waits).
 */
export class ManualClock implements Clock {
  private timers: ManualTimer[] = [];
  private seq = 0;
  constructor(
    private ms = Date.UTC(2026, 0, 1),
    private readonly dice: () => number = () => 0.5,
  ) {}
  now(): number {
    return this.ms;
  }
  /** A negative step sets the clock back (another writer's clock is behind); no timer fires then. */
  advance(ms: number): void {
    const until = this.ms + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.ms = Math.max(this.ms, due.at);
      void due.fn();
    }
    this.ms = until;
  }
  set(ms: number): void {
    this.ms = ms;
  }
  sleep(ms: number): Promise<void> {
    this.advance(ms);
    return Promise.resolve();
  }
  setTimeout(fn: () => unknown, ms: number): TimerHandle {
    const t = { at: this.ms + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(t);
    return t;
  }
  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t !== handle);
  }
  random(): number {
    return this.dice();
  }
  /** Timers armed and not yet fired. */
  get pending(): number {
    return this.timers.length;
  }
}
