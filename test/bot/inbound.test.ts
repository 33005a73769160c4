/**
 * What /api/messages lets in before a turn runs (defects 6 and 7 of issue 11): JSON only, an activity with a type,
 * and — with no app id, so nothing is authenticated — replies only to a loopback serviceUrl.
 */
import { BotUnderTest, CONTOSO, MEGAN } from '../harness/bot';
import { cardText, message, type TestActivity } from '../harness/activities';

describe('/api/messages refuses what a web page or a broken client could send', () => {
  const t = new BotUnderTest();
  beforeAll(() => t.start());
  afterAll(() => t.stop());

  async function raw(body: string, contentType: string | undefined): Promise<{ status: number; text: string }> {
    const res = await fetch(`${t.bot.url}/api/messages`, { method: 'POST', headers: contentType ? { 'Content-Type': contentType } : {}, body });
    return { status: res.status, text: await res.text() };
  }

  it('answers 415 to a form or text body (a CORS simple request), and runs nothing', async () => {
    const activity = message({ text: 'whoami', user: MEGAN, tenantId: CONTOSO, serviceUrl: t.connector.url });
    const before = t.connector.calls.length;
    const form = new URLSearchParams({
      type: 'message',
      text: 'whoami',
      serviceUrl: t.connector.url,
      channelId: 'msteams',
      'from[id]': activity.from.id,
      'from[aadObjectId]': MEGAN.aadObjectId,
      'conversation[id]': activity.conversation.id,
      'channelData[tenant][id]': CONTOSO,
    }).toString();
    const asForm = await raw(form, 'application/x-www-form-urlencoded');
    expect(asForm.status).toBe(415);
    expect(JSON.parse(asForm.text)).toEqual({ error: 'unsupported_media_type', message: 'Send the activity as application/json.' });
    expect((await raw(JSON.stringify(activity), 'text/plain')).status).toBe(415);
    expect((await raw(JSON.stringify(activity), undefined)).status).toBe(415);
    expect(t.connector.calls.length).toBe(before);
    // The same activity as JSON (with a charset, as Teams sends it) is answered.
    expect((await raw(JSON.stringify(activity), 'application/json; charset=utf-8')).status).toBe(200);
    expect(t.connector.calls.length).toBe(before + 1);
  });

  it('without an app id, refuses an activity whose serviceUrl is not loopback (403), before any reply is sent', async () => {
    const activity = message({ text: 'whoami', user: MEGAN, tenantId: CONTOSO, serviceUrl: 'https://evil.invalid/' });
    const res = await raw(JSON.stringify(activity), 'application/json');
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text)).toEqual({ error: 'service_url_refused', message: 'Without MicrosoftAppId this bot answers only a loopback serviceUrl.' });
  });

  it('answers 400 (not 500) to an activity without a type, with no library text', async () => {
    const untyped: Partial<TestActivity> = message({ text: 'whoami', user: MEGAN, tenantId: CONTOSO, serviceUrl: t.connector.url });
    delete untyped.type;
    const res = await raw(JSON.stringify(untyped), 'application/json');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toEqual({ error: 'bad_activity', message: 'The body is not a Bot Framework activity (it needs a "type").' });
  });

  it('very long input is answered with the usual short card, its echo clipped (not "internal error")', async () => {
    const long = 'a'.repeat(40_000);
    for (const text of [`provision ${long} to contoso-to-fabrikam`, `audit export from ${long}`, `restart contoso-to-fabrikam ${long}`, `status ${long}`]) {
      const card = await t.card(MEGAN, text);
      const shown = cardText(card);
      expect(shown).not.toContain('internal error');
      expect(shown).toContain('aaaa');
      expect(shown).not.toContain('a'.repeat(100));
      expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(28 * 1024);
    }
  });

  it('an echoed word cannot become a link on the card', async () => {
    const shown = JSON.stringify(await t.card(MEGAN, 'provision [click](https://evil.example) to contoso-to-fabrikam'));
    expect(shown).not.toContain('](https://evil.example');
  });
});
