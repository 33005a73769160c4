import { ManualClock } from '../../src/domain/clock';
import type { Storage } from 'botbuilder';
import type { Health } from '../../src/server';
import { BotUnderTest } from '../harness/bot';
import { json } from '../harness/json';

/** /healthz with the monitor's part (src/observability.ts PollHealth.report). */
type MonitorHealth = Health & { lastPoll: { at: string; ageSeconds: number; skipped?: string } | null };

/** A store that stops answering, as an unreachable Blob account would. */
function hangingReads(inner: () => Storage, hang: { on: boolean }): Storage {
  return new Proxy({} as Storage, {
    get: (_t, prop: keyof Storage) =>
      prop === 'read'
        ? (keys: string[]) => (hang.on ? new Promise(() => undefined) : inner().read(keys))
        : (...args: unknown[]) => (inner()[prop] as (...a: unknown[]) => unknown)(...args),
  });
}

describe('/healthz: leader, last poll and its age, store reachability', () => {
  const t = new BotUnderTest();
  const clock = new ManualClock(Date.parse('2026-11-23T10:00:00Z'));
  afterAll(() => t.stop());

  it('reports the last poll and turns 503 when it is older than three poll intervals', async () => {
    await t.start({ MONITOR: 'on' }, { clock });
    // Polls by hand only: the monitor's own timer would poll when the clock is advanced past its due time, racing the
    // reads of /healthz below (a poll that finishes between them makes the age small again).
    await t.bot.monitor.stop();
    await t.bot.monitor.pollOnce();
    let res = await fetch(`${t.bot.url}/healthz`);
    let body = await json<MonitorHealth>(res);
    expect(res.status).toBe(200);
    expect(body).toMatchObject({
      status: 'ok',
      leader: true,
      monitor: 'on',
      lastPoll: { at: '2026-11-23T10:00:00.000Z', ageSeconds: 0 },
      store: { kind: 'file', reachable: true },
    });

    const interval = t.bot.estate.pollIntervalSeconds;
    clock.advance(3 * interval * 1000); // exactly three intervals: still fine
    res = await fetch(`${t.bot.url}/healthz`);
    expect(res.status).toBe(200);
    expect((await json<MonitorHealth>(res)).lastPoll?.ageSeconds).toBe(3 * interval);

    clock.advance(1_000);
    res = await fetch(`${t.bot.url}/healthz`);
    body = await json<MonitorHealth>(res);
    expect(res.status).toBe(503);
    expect(body).toMatchObject({ status: 'unhealthy', problem: `no poll for more than three intervals (${3 * interval} s)` });

    await t.bot.monitor.pollOnce();
    expect((await fetch(`${t.bot.url}/healthz`)).status).toBe(200);
  });
});

describe('/healthz: an unreachable store is 503', () => {
  const t = new BotUnderTest();
  afterAll(() => t.stop());

  it('answers within its deadline with store.reachable false', async () => {
    const hang = { on: false };
    const { MemoryStorage } = await import('botbuilder');
    const real = new MemoryStorage();
    await t.start({}, { storage: hangingReads(() => real, hang) });
    expect((await fetch(`${t.bot.url}/healthz`)).status).toBe(200);
    hang.on = true;
    const res = await fetch(`${t.bot.url}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'unhealthy', store: { reachable: false }, monitor: 'off', lastPoll: null });
  });
});
