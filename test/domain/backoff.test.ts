import { backoffDelay, mayRetry, parseRetryAfter } from '../../src/domain/backoff';
import { ManualClock } from '../../src/domain/clock';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('parseRetryAfter: the one parser for Graph, $batch items and Teams sends', () => {
  test('delay-seconds, whole or fractional', () => {
    expect(parseRetryAfter('7', NOW)).toBe(7000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
    expect(parseRetryAfter('1.5', NOW)).toBe(1500);
  });
  test('an HTTP date is the time left until then; a past date is 0', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 12:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 11:00:00 GMT', NOW)).toBe(0);
  });
  test('absent or unreadable is undefined (the caller backs off instead)', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
    expect(parseRetryAfter('', NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter('-1', NOW)).toBeUndefined();
  });
});

describe('backoffDelay: exponential, capped, equal jitter', () => {
  const s = { baseDelayMs: 1000, maxDelayMs: 30_000 };
  test('half the ceiling is fixed, half is dice', () => {
    expect(backoffDelay(1, s, () => 0)).toBe(500);
    expect(backoffDelay(3, s, () => 1)).toBe(4000);
    expect(backoffDelay(9, s, () => 1)).toBe(30_000);
    expect(backoffDelay(9, s, () => 0)).toBe(15_000);
  });
  test('mayRetry keeps to the attempts and the total budget, the wait included', () => {
    expect(mayRetry(1, 5, 0, 1000, 90_000)).toBe(true);
    expect(mayRetry(5, 5, 0, 1000, 90_000)).toBe(false);
    expect(mayRetry(2, 5, 89_500, 1000, 90_000)).toBe(false);
  });
});

describe('ManualClock: virtual timers', () => {
  test('advance fires due timers in deadline order, each at its own time; cleared ones never', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 200);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 100);
    const c = clock.setTimeout(() => fired.push('c'), 150);
    clock.clearTimeout(c);
    clock.advance(150);
    expect(fired).toEqual(['a@100']);
    expect(clock.now()).toBe(150);
    clock.advance(50);
    expect(fired).toEqual(['a@100', 'b@200']);
    expect(clock.pending).toBe(0);
  });
  test('sleep moves time instead of waiting', async () => {
    const clock = new ManualClock(0);
    await clock.sleep(10_000);
    expect(clock.now()).toBe(10_000);
  });
});
