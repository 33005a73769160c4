/**
 * When to try again, for every retry loop (Graph requests, Graph `$batch` items, Teams proactive sends): the one
 * Retry-After parser and the one back-off. Pure; the caller brings the time and the dice.
 */

export interface BackoffSettings {
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Retry-After (RFC 9110 §10.2.3) is either delay-seconds or an HTTP date; milliseconds to wait, or undefined when
 * absent or unreadable. A date in the past means "now" (0).
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  // Only a real date: Date.parse also reads "-1" or "5 apples" as a year.
  if (!/[a-z]/i.test(v) || !/\d{1,2}:\d{2}/.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * Wait before attempt `attempt + 1` (attempt counts from 1): exponential, capped, with "equal jitter" — half the
 * ceiling fixed, half random — so a herd of callers spreads out but nobody retries at once.
 */
export function backoffDelay(attempt: number, s: BackoffSettings, random: () => number): number {
  const ceiling = Math.min(s.maxDelayMs, s.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(ceiling / 2 + (random() * ceiling) / 2);
}

/** Whether another attempt fits: attempts left, and the wait ends within the total budget since the first one. */
export function mayRetry(attempt: number, maxAttempts: number, elapsedMs: number, delayMs: number, maxTotalMs: number): boolean {
  return attempt < maxAttempts && elapsedMs + delayMs <= maxTotalMs;
}
