/**
 * One request, one execution (issue 11, defect 7): the same inbound activity delivered twice runs once, and a user
 * named twice in one command (by UPN and by object id) is provisioned once.
 */
import { ManualClock } from '../../src/domain/clock';
import { DEMO } from '../../src/simulator';
import { cardAction, cardOf, cardText, message, post, type TestActivity } from '../harness/activities';
import { BotUnderTest, CONTOSO, MEGAN } from '../harness/bot';
import { SimControl } from '../harness/sim';
import { InboundDedupe } from '../../src/services/inboundDedupe';
import { MemoryStorage } from '../../src/store/memory';
import { needsDurableClaim } from '../../src/teams/repeatedActivity';

describe('de-duplication of inbound activities and of users in one command', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 23, 9, 0, 0));
  const t = new BotUnderTest();
  let sim: SimControl;
  const user = DEMO.users.adele;

  beforeAll(async () => {
    await t.start({}, { clock, simulator: { cycleIntervalMs: null, clock } });
    sim = new SimControl(t.bot.simulator!.url);
  });
  afterAll(() => t.stop());

  const provisionCalls = async () => (await sim.requests()).filter((r) => r.path.endsWith('/provisionOnDemand'));

  async function provisionOnce(text: string): Promise<{ activity: TestActivity; cardId: string }> {
    const activity = message({ text, user: MEGAN, tenantId: CONTOSO, serviceUrl: t.connector.url });
    const res = await post(t.bot.url, activity);
    expect(res.status).toBe(200);
    const call = t.connector.calls.find((c) => c.replyToId === activity.id && cardOf(c.body))!;
    await t.connector.waitFor((calls) =>
      calls.some((c) => c.kind === 'update' && c.activityId === call.id && cardText(cardOf(c.body)).startsWith('Provision on demand: contoso-to-fabrikam')),
    );
    return { activity, cardId: call.id };
  }

  it('a user given by UPN and by object id in one command is provisioned once, and the card says so', async () => {
    await sim.clearRequests();
    const { cardId } = await provisionOnce(`provision ${user.userPrincipalName} ${user.id} to contoso-to-fabrikam`);
    expect(await provisionCalls()).toHaveLength(1);
    const first = cardText(cardOf(t.connector.calls.find((c) => c.id === cardId)!.body));
    expect(first).toContain(`the same user as ${user.userPrincipalName}: provisioned once`);
  });

  it('the same message delivered twice (a connector retry) runs once and is answered once', async () => {
    await sim.clearRequests();
    const { activity } = await provisionOnce(`provision ${user.userPrincipalName} to contoso-to-fabrikam`);
    const replies = () => t.connector.calls.filter((c) => c.replyToId === activity.id).length;
    expect(replies()).toBe(1);
    const again = await post(t.bot.url, activity);
    expect(again.status).toBe(200);
    expect(replies()).toBe(1);
    expect(await provisionCalls()).toHaveLength(1);
  });

  it('the same card click delivered twice runs once; the repeat is answered with a short card', async () => {
    const ask = message({ text: 'restart contoso-to-fabrikam', user: MEGAN, tenantId: CONTOSO, serviceUrl: t.connector.url });
    await post(t.bot.url, ask);
    const confirm = cardOf(t.connector.calls.find((c) => c.replyToId === ask.id)!.body);
    const op = JSON.stringify(confirm).match(/"op":"([^"]+)"/)![1];
    await sim.clearRequests();
    const click = cardAction({ verb: 'op.confirm', data: { op }, user: MEGAN, tenantId: CONTOSO, serviceUrl: t.connector.url, replyToId: 'card-1' });
    const first = await post(t.bot.url, click);
    expect(first.status).toBe(200);
    const second = await post(t.bot.url, click);
    expect(second.status).toBe(200);
    expect(cardText(second.body?.value)).toContain('Already handled');
    expect((await sim.requests()).filter((r) => r.method === 'POST' && r.path.endsWith('/restart'))).toHaveLength(1);
  });

  it('after the window the same id is a new delivery again', async () => {
    const activity = message({ text: 'whoami', user: MEGAN, tenantId: CONTOSO, serviceUrl: t.connector.url });
    await post(t.bot.url, activity);
    clock.advance(16 * 60_000);
    await post(t.bot.url, activity);
    expect(t.connector.calls.filter((c) => c.replyToId === activity.id)).toHaveLength(2);
  });
});

describe('the inbound claim: what it costs the store (issue 15: turn throughput)', () => {
  class CountingStorage extends MemoryStorage {
    reads = 0;
    writes = 0;
    override async read(keys: string[]) {
      this.reads += keys.length;
      return super.read(keys);
    }
    override async write(changes: Parameters<MemoryStorage['write']>[0]) {
      this.writes += Object.keys(changes).length;
      return super.write(changes);
    }
  }
  const clock = new ManualClock(Date.UTC(2026, 10, 23, 9, 0, 0));
  const delivery = (id: string) => ({ id, channelId: 'msteams', type: 'message', conversation: { id: 'a:1' } });

  it('a turn that only reads claims in memory; a changing turn makes one create-only write and no read', async () => {
    const storage = new CountingStorage();
    const dedupe = new InboundDedupe(storage, clock);
    expect(await dedupe.claim(delivery('r-1'), { durable: false })).toBe(true);
    expect(await dedupe.claim(delivery('r-1'), { durable: false })).toBe(false);
    expect({ reads: storage.reads, writes: storage.writes }).toEqual({ reads: 0, writes: 0 });
    expect(await dedupe.claim(delivery('w-1'))).toBe(true);
    expect({ reads: storage.reads, writes: storage.writes }).toEqual({ reads: 0, writes: 1 });
    // The repeat on this instance is answered from memory.
    expect(await dedupe.claim(delivery('w-1'))).toBe(false);
    expect({ reads: storage.reads, writes: storage.writes }).toEqual({ reads: 0, writes: 1 });
  });

  it('a durable claim is recognised by another instance on the same store, and again after the window has passed', async () => {
    const storage = new MemoryStorage();
    const a = new InboundDedupe(storage, clock);
    const b = new InboundDedupe(storage, clock);
    expect(await a.claim(delivery('x-1'))).toBe(true);
    expect(await b.claim(delivery('x-1'))).toBe(false);
    clock.advance(16 * 60_000);
    expect(await b.claim(delivery('x-1'))).toBe(true);
    expect(await a.claim(delivery('x-1'))).toBe(false);
  });

  it('keeps at most its bound of claims in memory; a forgotten durable claim is still found in the store', async () => {
    const storage = new CountingStorage();
    const dedupe = new InboundDedupe(storage, clock, undefined, 2);
    for (const id of ['m-1', 'm-2', 'm-3']) expect(await dedupe.claim(delivery(id))).toBe(true);
    const before = storage.reads;
    expect(await dedupe.claim(delivery('m-1'))).toBe(false);
    expect(storage.reads).toBeGreaterThan(before);
  });

  it('only typed commands that read skip the durable claim', () => {
    const msg = (text: string) => ({ type: 'message', text });
    expect(
      ['help', 'status', '<at>CTS Ops</at> status contoso-to-fabrikam', 'pending', 'whoami', 'subscriptions'].map((t) => needsDurableClaim(msg(t))),
    ).toEqual([false, false, false, false, false, false]);
    expect(
      ['pause contoso-to-fabrikam', 'approve REQ-AAAAA', 'subscribe alerts all', 'provision a@b.c to x', 'nonsense'].map((t) => needsDurableClaim(msg(t))),
    ).toEqual([true, true, true, true, true]);
    expect(needsDurableClaim({ type: 'invoke', name: 'adaptiveCard/action' })).toBe(true);
    expect(needsDurableClaim({ type: 'message', text: 'help', value: { verb: 'x' } })).toBe(true);
  });
});
