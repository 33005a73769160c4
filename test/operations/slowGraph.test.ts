/**
 * Slow Graph does not hold Teams' request (issue 11, defect 7): a message or a card click that waits on Graph longer
 * than its answer budget is answered at once with a "working" card, which is replaced when the work is done.
 * Graph is held by the test (not slowed by a timer), so the test does not depend on how fast the machine is.
 */
import { createCtsGraph } from '../../src/graph/gateway';
import { cardAction, cardOf, cardText, message, post } from '../harness/activities';
import { BotUnderTest, CONTOSO, MEGAN } from '../harness/bot';

describe('turns that wait on slow Graph', () => {
  const t = new BotUnderTest();
  let held: Promise<void> | undefined;
  let release: () => void = () => undefined;
  const hold = () => {
    held = new Promise<void>((resolve) => (release = resolve));
  };
  const letGo = () => {
    held = undefined;
    release();
  };

  beforeAll(() =>
    t.start(
      {},
      {
        answerWithinMs: { message: 50, invoke: 50 },
        graph: (estate) =>
          createCtsGraph(estate, {
            fetch: async (input: string | URL | Request, init?: RequestInit) => {
              if (held) await held;
              return fetch(input, init);
            },
          }),
      },
    ),
  );
  afterAll(async () => {
    letGo();
    await t.stop();
  });

  it('a message is answered "working" while Graph is held, and the card is replaced with the answer', async () => {
    await t.say(MEGAN, 'whoami'); // roles cached, so only the status read waits
    hold();
    const activity = message({ text: 'status contoso-to-fabrikam', user: MEGAN, tenantId: CONTOSO, serviceUrl: t.connector.url });
    const res = await post(t.bot.url, activity);
    expect(res.status).toBe(200);
    const working = t.connector.calls.find((c) => c.replyToId === activity.id)!;
    expect(cardText(cardOf(working.body))).toContain('Working on it');
    letGo();
    await t.connector.waitFor((calls) => calls.some((c) => c.kind === 'update' && c.activityId === working.id));
    const final = t.connector.calls.filter((c) => c.kind === 'update' && c.activityId === working.id).at(-1)!;
    expect(cardText(cardOf(final.body))).toContain('contoso-to-fabrikam');
    expect(cardText(cardOf(final.body))).not.toContain('Working on it');
  });

  it('a card click is answered "working" in its invoke response, and its card is updated when done', async () => {
    hold();
    const click = cardAction({ verb: 'status.refresh', data: {}, user: MEGAN, tenantId: CONTOSO, serviceUrl: t.connector.url, replyToId: 'status-card-1' });
    const res = await post(t.bot.url, click);
    expect(res.status).toBe(200);
    expect(cardText(res.body?.value)).toContain('Working on it');
    letGo();
    await t.connector.waitFor((calls) => calls.some((c) => c.kind === 'update' && c.activityId === 'status-card-1'));
    const final = t.connector.calls.filter((c) => c.kind === 'update' && c.activityId === 'status-card-1').at(-1)!;
    expect(cardText(cardOf(final.body))).toContain('contoso-to-fabrikam');
  });
});
