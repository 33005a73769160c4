/**
 * One request, one execution (issue 11, defect 7): the same inbound activity delivered twice runs once, and a user
 * named twice in one command (by UPN and by object id) is provisioned once.
 */
import { ManualClock } from '../../src/domain/clock';
import { DEMO } from '../../src/simulator';
import { cardAction, cardOf, cardText, message, post, type TestActivity } from '../harness/activities';
import { BotUnderTest, CONTOSO, MEGAN } from '../harness/bot';
import { SimControl } from '../harness/sim';

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
    await t.connector.waitFor((calls) => calls.some((c) => c.kind === 'update' && c.activityId === call.id && cardText(cardOf(c.body)).startsWith('Provision on demand: contoso-to-fabrikam')));
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
