import type { Clock } from '../../src/domain/clock';
import type { RateLimit } from '../../src/domain/rateLimit';

/**
 * Time that only moves when the queue sleeps: a sleep jumps the clock to its deadline at once. The queue is the only
 * sleeper, so the recorded times are what real time would have shown, without waiting for them.
 */
export class VirtualTime implements Clock {
  sleeps: number[] = [];
  constructor(
    public ms = Date.UTC(2026, 0, 1),
    private readonly dice: () => number = () => 0.5,
  ) {}
  now = (): number => this.ms;
  private timers: { at: number; fn: () => unknown }[] = [];
  sleep = (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.ms += Math.max(0, ms);
    // Timers that fell due while the sleeper slept run now, in deadline order.
    const due = this.timers.filter((t) => t.at <= this.ms).sort((a, b) => a.at - b.at);
    this.timers = this.timers.filter((t) => t.at > this.ms);
    for (const t of due) void t.fn();
    return Promise.resolve();
  };
  setTimeout = (fn: () => unknown, ms: number): unknown => {
    const t = { at: this.ms + Math.max(0, ms), fn };
    this.timers.push(t);
    return t;
  };
  clearTimeout = (handle: unknown): void => {
    this.timers = this.timers.filter((t) => t !== handle);
  };
  random = (): number => this.dice();
}

/** The worst count of sends in any window (t − ms, t] of the given times. */
export function worstWindow(times: number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let worst = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[start] <= sorted[end] - ms) start++;
    worst = Math.max(worst, end - start + 1);
  }
  return worst;
}

export function assertWithin(times: number[], limits: readonly RateLimit[], what: string): void {
  for (const l of limits) {
    const worst = worstWindow(times, l.ms);
    if (worst > l.count) throw new Error(`${what}: ${worst} sends within ${l.ms} ms (limit ${l.count})`);
  }
}
