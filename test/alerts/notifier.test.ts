import type { ConversationTarget } from '../../src/services/ports';
import { SlidingWindows } from '../../src/domain/rateLimit';
import { CONVERSATION_LIMITS, GLOBAL_LIMITS, TeamsNotifier, connectorFailureOf, retryDelay, type ConnectorTransport } from '../../src/teams/notifier';
import { VirtualTime, assertWithin, worstWindow } from './virtualTime';

const card = { card: { type: 'AdaptiveCard', version: '1.5', body: [] }, summary: 'test' };

function target(key: string, tenantId = 'tenant-a'): ConversationTarget {
  return { key, kind: 'groupChat', reference: { serviceUrl: 'http://connector/', conversation: { id: key, tenantId } } };
}

/** A transport that records every attempt's (virtual) time and answers from a script per conversation. */
class ScriptedTransport implements ConnectorTransport {
  attempts: { key: string; at: number; kind: 'send' | 'update' }[] = [];
  scripts = new Map<string, ({ status: number; code?: string; retryAfter?: string } | 'ok')[]>();
  private seq = 0;
  constructor(private readonly time: VirtualTime) {}
  private answer(key: string): void {
    const next = this.scripts.get(key)?.shift();
    if (next && next !== 'ok') {
      const headers = { get: (name: string) => (name.toLowerCase() === 'retry-after' ? next.retryAfter : undefined) };
      throw Object.assign(new Error(`HTTP ${next.status}`), {
        name: 'RestError',
        statusCode: next.status,
        code: next.code,
        response: { status: next.status, headers },
      });
    }
  }
  async send(t: ConversationTarget): Promise<string> {
    this.attempts.push({ key: t.key, at: this.time.now(), kind: 'send' });
    await Promise.resolve();
    this.answer(t.key);
    return `act-${++this.seq}`;
  }
  async update(t: ConversationTarget): Promise<void> {
    this.attempts.push({ key: t.key, at: this.time.now(), kind: 'update' });
    await Promise.resolve();
    this.answer(t.key);
  }
}

function setup(dice = () => 0.5) {
  const time = new VirtualTime(Date.UTC(2026, 0, 1), dice);
  const transport = new ScriptedTransport(time);
  const notifier = new TeamsNotifier({ transport, clock: time });
  return { time, transport, notifier };
}

describe('the proactive send queue', () => {
  it('waits for Retry-After on 429 and then delivers', async () => {
    const { time, transport, notifier } = setup();
    transport.scripts.set('c1', [{ status: 429, code: 'Throttled', retryAfter: '3' }, 'ok']);
    const t0 = time.now();
    const result = await notifier.post(target('c1'), card);
    expect(result).toEqual({ ok: true, activityId: 'act-1' });
    expect(transport.attempts.map((a) => a.at - t0)).toEqual([0, 3000]);
  });

  it('honours a Retry-After given as an HTTP date on 429', async () => {
    const { time, transport, notifier } = setup();
    // Five seconds after the virtual start (2026-01-01T00:00:00Z); the default back-off would wait 0.75 s.
    transport.scripts.set('c1', [{ status: 429, code: 'Throttled', retryAfter: 'Thu, 01 Jan 2026 00:00:05 GMT' }, 'ok']);
    const t0 = time.now();
    expect(await notifier.post(target('c1'), card)).toEqual({ ok: true, activityId: 'act-1' });
    expect(transport.attempts.map((a) => a.at - t0)).toEqual([0, 5000]);
  });

  it('backs off exponentially with jitter, capped, on 412/502/503/504 and gives up (not gone) after the attempts', async () => {
    const { time, transport, notifier } = setup(() => 1);
    transport.scripts.set('c1', [{ status: 503 }, { status: 502 }, { status: 504 }, { status: 412 }, { status: 503 }, { status: 503 }, 'ok']);
    const t0 = time.now();
    const result = await notifier.post(target('c1'), card);
    expect(result).toEqual({ ok: false, gone: false, status: 503, code: undefined });
    const gaps = transport.attempts.map((a, i, all) => (i ? a.at - all[i - 1].at : 0)).slice(1);
    // dice = 1 → the full exponential step: 1 s, 2 s, 4 s, 8 s, 16 s (cap 30 s not reached yet).
    expect(gaps).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(transport.attempts.at(-1)!.at - t0).toBe(31000);
  });

  it('jitter spreads the wait between half and all of the exponential step, and the step is capped', () => {
    const policy = { maxAttempts: 10, baseDelayMs: 1000, maxDelayMs: 30000, maxTotalMs: 600000 };
    expect(retryDelay({ status: 503 }, 1, policy, () => 0)).toBe(500);
    expect(retryDelay({ status: 503 }, 3, policy, () => 1)).toBe(4000);
    expect(retryDelay({ status: 503 }, 9, policy, () => 1)).toBe(30000);
    expect(retryDelay({ status: 503 }, 9, policy, () => 0)).toBe(15000);
    expect(retryDelay({ status: 429, retryAfterMs: 7000 }, 1, policy, () => 0)).toBe(7000);
  });

  it.each([403, 404])('treats %i as gone and never retries it', async (status) => {
    const { transport, notifier } = setup();
    transport.scripts.set('c1', [{ status, code: status === 403 ? 'ConversationBlockedByUser' : 'ConversationNotFound' }]);
    expect(await notifier.post(target('c1'), card)).toEqual({
      ok: false,
      gone: true,
      status,
      code: status === 403 ? 'ConversationBlockedByUser' : 'ConversationNotFound',
    });
    expect(transport.attempts).toHaveLength(1);
  });

  it('does not retry a request Teams will never accept (413 MessageSizeTooBig)', async () => {
    const { transport, notifier } = setup();
    transport.scripts.set('c1', [{ status: 413, code: 'MessageSizeTooBig' }]);
    expect(await notifier.post(target('c1'), card)).toMatchObject({ ok: false, gone: false, status: 413 });
    expect(transport.attempts).toHaveLength(1);
  });

  it('gives up early when Retry-After would pass the total time cap', async () => {
    const { transport, notifier } = setup();
    transport.scripts.set('c1', [{ status: 429, retryAfter: '3600' }, 'ok']);
    expect(await notifier.post(target('c1'), card)).toMatchObject({ ok: false, gone: false, status: 429 });
    expect(transport.attempts).toHaveLength(1);
  });

  it('keeps one conversation within 7 / 1 s, 8 / 2 s and 60 / 30 s, in order', async () => {
    const { transport, notifier } = setup();
    const results = await Promise.all(
      Array.from({ length: 70 }, (_, i) => (i % 2 ? notifier.update(target('busy'), `act-${i}`, card) : notifier.post(target('busy'), card))),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    const times = transport.attempts.map((a) => a.at);
    assertWithin(times, CONVERSATION_LIMITS, 'one conversation');
    expect(worstWindow(times, 1000)).toBe(7);
    expect(transport.attempts.map((a) => a.kind)).toEqual(Array.from({ length: 70 }, (_, i) => (i % 2 ? 'update' : 'send')));
    // 70 sends at 60 / 30 s need more than 30 s.
    expect(times.at(-1)! - times[0]).toBeGreaterThanOrEqual(30000);
  });

  it('keeps the app within 50 / s per tenant across conversations, and tenants apart', async () => {
    const { transport, notifier } = setup();
    const sends = [
      ...Array.from({ length: 120 }, (_, i) => notifier.post(target(`a-${i}`, 'tenant-a'), card)),
      ...Array.from({ length: 60 }, (_, i) => notifier.post(target(`b-${i}`, 'tenant-b'), card)),
    ];
    expect((await Promise.all(sends)).every((r) => r.ok)).toBe(true);
    const a = transport.attempts.filter((x) => x.key.startsWith('a-')).map((x) => x.at);
    const b = transport.attempts.filter((x) => x.key.startsWith('b-')).map((x) => x.at);
    assertWithin(a, GLOBAL_LIMITS, 'tenant a');
    assertWithin(b, GLOBAL_LIMITS, 'tenant b');
    expect(worstWindow(a, 1000)).toBe(50);
    // Tenant b is not held back by tenant a's traffic: its first 50 go in the first second.
    expect(b.filter((t) => t < b[0] + 1000)).toHaveLength(50);
  });

  it('counts sliding windows as (t − ms, t]', () => {
    const w = new SlidingWindows([{ count: 2, ms: 1000 }]);
    w.record(0);
    w.record(10);
    expect(w.nextAllowed(20)).toBe(1000);
    expect(w.nextAllowed(1000)).toBe(1000);
    w.record(1000);
    expect(w.nextAllowed(1000)).toBe(1010);
  });

  it("reads status, Teams code and Retry-After from botbuilder's RestError", () => {
    const err = Object.assign(new Error('x'), {
      name: 'RestError',
      statusCode: 429,
      code: 'Throttled',
      response: { status: 429, headers: { get: (h: string) => (h === 'retry-after' ? '2' : undefined) } },
    });
    expect(connectorFailureOf(err, Date.UTC(2026, 0, 1))).toEqual({ status: 429, code: 'Throttled', retryAfterMs: 2000 });
    expect(connectorFailureOf(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), Date.UTC(2026, 0, 1))).toEqual({
      status: 0,
      code: 'ECONNREFUSED',
      retryAfterMs: undefined,
    });
  });
});
