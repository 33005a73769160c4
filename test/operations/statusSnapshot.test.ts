import { ManualClock } from '../../src/domain/clock';
import { DEMO } from '../../src/simulator';
import { cardAction, cardText, post } from '../harness/activities';
import { BotUnderTest, CONTOSO, MEGAN } from '../harness/bot';
import { SimControl } from '../harness/sim';

const C2F = DEMO.configurations.contosoToFabrikam;

/**
 * `status` answers from the monitor's latest poll while it is younger than one poll interval (the monitor reads the
 * same jobs anyway); `status <config>`, Refresh, a stale or absent reading, and a reading older than an action read
 * Graph live. Graph requests are counted at the simulator.
 */
describe('status from the monitor snapshot', () => {
  const t = new BotUnderTest();
  const clock = new ManualClock(Date.now());
  let sim: SimControl;

  beforeAll(async () => {
    await t.start({}, { clock });
    sim = new SimControl(t.bot.simulator!.url);
  });
  afterAll(() => t.stop());

  const graphReads = async () => (await sim.requests()).filter((r) => !r.inBatch);
  const statusText = async (text = 'status') => cardText(await t.card(MEGAN, text));

  it('reads Graph live when the monitor has not polled yet', async () => {
    await sim.clearRequests();
    const text = await statusText();
    expect((await graphReads()).some((r) => r.path === '/$batch')).toBe(true);
    expect(text).toContain(C2F.name);
    expect(text).not.toContain("monitor's regular poll");
  });

  it('with a reading fresher than the poll interval: no Graph request, and the card says when the state was read', async () => {
    await t.bot.monitor.pollOnce();
    const readAt = new Date(clock.now()).toISOString();
    clock.advance(4_000);
    // The job changes after the poll: the snapshot still shows it as read, and says when.
    await sim.quarantine(CONTOSO, C2F.jobId);
    await sim.clearRequests();
    const text = await statusText();
    expect(await graphReads()).toEqual([]);
    expect(text).toContain(`Read at ${readAt} by the monitor's regular poll, 4 s ago`);
    expect(text).not.toContain('Quarantine');
  });

  it('Refresh reads live even while the reading is fresh', async () => {
    await sim.clearRequests();
    const res = await post(
      t.bot.url,
      cardAction({ verb: 'status.refresh', data: {}, user: MEGAN, tenantId: CONTOSO, serviceUrl: t.connector.url, replyToId: 'status-card' }),
    );
    expect(res.status).toBe(200);
    const text = cardText(res.body?.value);
    // One $batch per source tenant (Contoso runs two configurations, Fabrikam one): the jobs are read live.
    const batches = (await graphReads()).filter((r) => r.path === '/$batch');
    expect(batches.map((r) => r.tenantId).sort()).toEqual([DEMO.tenants.contoso.id, DEMO.tenants.fabrikam.id].sort());
    expect(text).toContain('Quarantine');
    expect(text).toContain(`Read at ${new Date(clock.now()).toISOString()}.`);
  });

  it('status <config> reads live even while the reading is fresh', async () => {
    await sim.clearRequests();
    const text = await statusText(`status ${C2F.name}`);
    expect((await graphReads()).some((r) => r.method === 'GET' && /\/synchronization\/jobs\//.test(r.path))).toBe(true);
    expect(text).toContain('Quarantine');
  });

  it('a reading as old as the poll interval is stale: live read', async () => {
    await t.bot.monitor.pollOnce();
    clock.advance(t.bot.monitor.intervalMs);
    await sim.clearRequests();
    const text = await statusText();
    expect((await graphReads()).some((r) => r.path === '/$batch')).toBe(true);
    expect(text).not.toContain("monitor's regular poll");
  });

  it('a reading older than an action this bot ran is not used: live read', async () => {
    await t.bot.monitor.pollOnce();
    clock.advance(1_000);
    expect(cardText(await t.card(MEGAN, `start ${C2F.name}`))).toContain(C2F.name);
    clock.advance(1_000);
    await sim.clearRequests();
    const text = await statusText();
    expect((await graphReads()).some((r) => r.path === '/$batch')).toBe(true);
    expect(text).not.toContain("monitor's regular poll");
    expect(text).not.toContain('Quarantine:');
  });
});
