import { BotUnderTest, CONTOSO, LEE, MEGAN } from '../harness/bot';
import { cardText, message, post } from '../harness/activities';

describe('the bot over /api/messages (the wire path Teams uses)', () => {
  const t = new BotUnderTest();
  beforeAll(() => t.start());
  afterAll(() => t.stop());

  it('answers help in a personal chat with every routed command and an example', async () => {
    const card = await t.card(MEGAN, 'help');
    const text = cardText(card);
    expect(card.type).toBe('AdaptiveCard');
    expect(text).toContain('whoami');
    expect(text).toContain('Example: help');
    expect(text).toMatch(/Configurations: contoso-to-fabrikam/);
    // Teams strips tag-like text from cards: placeholders must not be written as <configuration>.
    expect(text).toContain('status [‹configuration›]');
    expect(JSON.stringify(card)).not.toMatch(/<[a-z][^>]*>/i);
  });

  it('answers in a group chat, case-insensitively', async () => {
    const card = await t.card(MEGAN, 'HELP', { kind: 'groupChat', conversationId: '19:group-chat-1@thread.v2' });
    expect(cardText(card)).toContain('CTS Ops');
  });

  it('answers in a channel when @mentioned', async () => {
    const place = { kind: 'channel' as const, teamId: '19:team@thread.tacv2', channelId: '19:ops@thread.tacv2' };
    const replies = await t.say(MEGAN, 'whoami', place);
    expect(replies).toHaveLength(1);
    expect(cardText(replies[0].attachments?.[0].content)).toContain('Hybrid Identity Administrator');
  });

  it('whoami shows the roles resolved from the home directory and what they allow', async () => {
    const megan = cardText(await t.card(MEGAN, 'whoami'));
    expect(megan).toContain('Sign-in: MeganB@contoso.onmicrosoft.com');
    expect(megan).toContain(`Tenant: Contoso (${CONTOSO})`);
    expect(megan).toContain('Hybrid Identity Administrator');
    expect(megan).toContain('deletes.allow: approve removals and let held-back deletions go through');
    const lee = cardText(await t.card(LEE, 'whoami'));
    expect(lee).toContain('Lee Gu');
    expect(lee).toMatch(/Directory roles\nnone/);
    expect(lee).toContain('scope.request: ');
    expect(lee).not.toContain('sync.operate');
  });

  it('unknown text gets a one-line hint and the help card', async () => {
    const card = await t.card(LEE, 'make me a sandwich');
    const text = cardText(card);
    expect(text).toContain('I don\'t know "make me a sandwich". Here is what I can do:');
    expect(text).toContain('whoami');
  });

  it('refuses a caller from another tenant', async () => {
    const activity = message({ text: 'whoami', user: MEGAN, tenantId: 'b6e3d0e2-4c8f-4d9b-8a27-3e5f9c1d8b42', serviceUrl: t.connector.url });
    await post(t.bot.url, activity);
    const reply = t.connector.sentTo(activity.conversation.id).at(-1);
    expect(cardText(reply!.body.attachments?.[0].content)).toContain(`This bot serves tenant ${CONTOSO} only.`);
  });

  it('serves /healthz with the mode, version and simulator URL', async () => {
    const res = await fetch(`${t.bot.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: 'ok',
      mode: 'simulator',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/) as unknown,
      simulatorUrl: t.bot.simulator!.url,
    });
  });
});
