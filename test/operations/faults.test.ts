import { ManualClock } from '../../src/domain/clock';
import { createCtsGraph } from '../../src/graph/gateway';
import { DEMO } from '../../src/simulator';
import { BotUnderTest, CONTOSO, MEGAN } from '../harness/bot';
import { cardAction, cardOf, cardText, post } from '../harness/activities';
import { SimControl } from '../harness/sim';
import { virtualGraphTime } from '../harness/virtualTime';

/**
 * Graph misbehaving under each command: throttling (429 + Retry-After), 503, and a write whose answer is lost.
 * Each command either succeeds or says clearly what happened — and no write reaches Graph twice.
 */
describe('operations under Graph faults', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 23, 9, 0, 0));
  /** Requests whose answer the "network" drops after Graph has executed them (the write happened, the reply is lost). */
  const loseAnswerOf: RegExp[] = [];
  const losingFetch: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const url = String(input instanceof Request ? input.url : input);
    const i = loseAnswerOf.findIndex((re) => re.test(url));
    if (i >= 0) {
      loseAnswerOf.splice(i, 1);
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    }
    return res;
  };
  const virtual = virtualGraphTime(clock, losingFetch);
  const t = new BotUnderTest();
  let sim: SimControl;

  beforeAll(async () => {
    await t.start(
      {},
      { clock, simulator: { cycleIntervalMs: null, clock }, graph: (estate) => createCtsGraph(estate, { fetch: virtual.fetch, time: virtual.time }) },
    );
    sim = new SimControl(t.bot.simulator!.url);
  });
  afterAll(() => t.stop());
  afterEach(async () => {
    for (const tenantId of [CONTOSO, DEMO.tenants.fabrikam.id]) await sim.control('POST', '/faults', { tenantId, rate429: 0, rate503: 0 });
  });

  async function confirmLast(text: string): Promise<string> {
    const replies = await t.say(MEGAN, text);
    const card = replies.map(cardOf).find(Boolean);
    const op = JSON.stringify(card).match(/"verb":"op\.confirm","data":\{"op":"([^"]+)"/)?.[1];
    if (!op) throw new Error(`no confirmation in ${cardText(card)}`);
    const id = t.connector.calls.find((c) => cardOf(c.body) === card)!.id;
    const res = await post(
      t.bot.url,
      cardAction({ verb: 'op.confirm', data: { op }, user: MEGAN, tenantId: CONTOSO, serviceUrl: t.connector.url, replyToId: id }),
    );
    return cardText(res.body?.value);
  }

  const successful = async (suffix: string) => (await sim.requests()).filter((r) => r.path.endsWith(suffix) && r.status < 300);

  it.each([
    // A third of all Contoso requests fail; the retry policy (5 attempts) rides it out.
    ['429 with Retry-After', { rate429: 0.3 }],
    ['503', { rate503: 0.3 }],
  ])('status, pause, start and restart still succeed under %s, each write landing once', async (_name, faults) => {
    await sim.control('POST', '/faults', { tenantId: CONTOSO, ...faults });
    await sim.clearRequests();
    virtual.sleeps.length = 0;

    expect(cardText(await t.card(MEGAN, 'status'))).toMatch(/3 configurations: 3 Active/);
    expect(await confirmLast('pause contoso-to-fabrikam')).toContain('Pause contoso-to-fabrikam: done');
    expect(cardText(await t.card(MEGAN, 'start contoso-to-fabrikam'))).toContain('Start contoso-to-fabrikam: done');
    expect(await confirmLast('restart contoso-to-fabrikam')).toContain('done');

    const failed = (await sim.requests()).filter((r) => r.status === 429 || r.status === 503);
    expect(failed.length).toBeGreaterThan(0); // the faults really happened…
    expect(virtual.sleeps.length).toBeGreaterThan(0); // …and were waited out
    expect(await successful('/pause')).toHaveLength(1);
    expect(await successful('/start')).toHaveLength(1);
    expect(await successful('/restart')).toHaveLength(1);
  });

  it('a pause whose answer is lost is confirmed by reading the job, not sent again', async () => {
    await sim.clearRequests();
    loseAnswerOf.push(/\/pause$/);
    expect(await confirmLast('pause contoso-to-fabrikam')).toMatch(/Pause contoso-to-fabrikam: done[\s\S]*confirmed by reading the job/);
    expect((await sim.requests()).filter((r) => r.path.endsWith('/pause'))).toHaveLength(1);
    await t.card(MEGAN, 'start contoso-to-fabrikam');
  });

  it('a restart whose answer is lost says it may or may not have happened, and is not repeated', async () => {
    await sim.clearRequests();
    loseAnswerOf.push(/\/restart$/);
    const text = await confirmLast('restart contoso-to-fabrikam watermark');
    expect(text).toContain('Restart (watermark) contoso-to-fabrikam: failed');
    expect(text).toContain('may or may not have happened');
    expect(text).toContain('Check "status contoso-to-fabrikam" before trying again');
    expect((await sim.requests()).filter((r) => r.path.endsWith('/restart'))).toHaveLength(1);
  });

  it('a status read that keeps failing says so per configuration instead of failing the card', async () => {
    await sim.control('POST', '/faults', { tenantId: DEMO.tenants.fabrikam.id, rate503: 1 });
    const text = cardText(await t.card(MEGAN, 'status'));
    expect(text).toMatch(/contoso-to-fabrikam[\s\S]*Active/);
    expect(text).toMatch(/fabrikam-to-northwind[\s\S]*Could not read the job/);
  });

  it('when roles cannot be read, a change is refused with the reason and nothing is sent', async () => {
    await sim.clearRequests();
    await sim.control('POST', '/faults', { tenantId: CONTOSO, rate503: 1 });
    clock.advance(6 * 60 * 1000); // past the 5-minute read cache: roles must be read now
    const text = cardText(await t.card(MEGAN, 'pause contoso-to-fabrikam'));
    expect(text).toContain('Could not check your roles');
    expect(text).toContain('Nothing was changed');
    expect(text).not.toMatch(/\n\s+at /); // no stack trace
    await sim.control('POST', '/faults', { tenantId: CONTOSO, rate503: 0 });
    expect(await sim.writes()).toEqual([]);
  });
});
