/**
 * Attacks on authentication: the bot is registered with an app id, so botbuilder validates every request's JWT
 * against the OpenID metadata — here a loopback stand-in serving a key this suite generated. Every forged, stale or
 * missing token must be refused with 401 and no library text, and must run nothing.
 */
import { CONTOSO, MEGAN, type BotUnderTest } from '../harness/bot';
import { message } from '../harness/activities';
import { record } from './ledger';
import { authenticatedBot, postWithToken, SigningAuthority, APP_ID } from './authHarness';

describe('authentication attacks against /api/messages', () => {
  const authority = new SigningAuthority();
  let t: BotUnderTest;

  beforeAll(async () => {
    await authority.start();
    t = await authenticatedBot(authority);
  });
  afterAll(async () => {
    await t?.stop();
    await authority.stop();
  });

  const whoami = () => message({ text: 'whoami', user: MEGAN, tenantId: CONTOSO, serviceUrl: t.connector.url });

  /** Posts with `token`; asserts 401, a fixed body without library words, and that no reply reached the connector. */
  async function expectRefused(name: string, token: string | undefined): Promise<void> {
    const activity = whoami();
    const before = t.connector.calls.length;
    const res = await postWithToken(t.bot.url, activity, token);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'unauthorized', message: 'The request is not authenticated.' });
    expect(res.text).not.toMatch(/jwt|openid|signature|audience|issuer|expired|127\.0\.0\.1|Signing Key/i);
    expect(t.connector.calls.length).toBe(before);
    record({ test: `auth: ${name}`, attacks: 1, refused: 1 });
  }

  it('accepts a token signed by the published key (the control: the rest are refused for their flaw alone)', async () => {
    const activity = whoami();
    const res = await postWithToken(t.bot.url, activity, authority.token({ serviceUrl: activity.serviceUrl }));
    expect(res.status).toBe(200);
    expect(t.connector.sentTo(activity.conversation.id)).toHaveLength(1);
  });

  it('refuses a forged signature (our key id, another key)', async () => {
    await expectRefused('forged signature', authority.token({ serviceUrl: t.connector.url, key: authority.forger }));
  });

  it('refuses a key id the metadata does not list', async () => {
    await expectRefused('unknown key id', authority.token({ serviceUrl: t.connector.url, key: authority.forger, kid: 'attacker-key' }));
  });

  it('refuses a token for another bot (wrong audience)', async () => {
    await expectRefused('wrong audience', authority.token({ serviceUrl: t.connector.url, claims: { aud: '00000000-1111-4222-8333-444444444444' } }));
  });

  it('refuses a token from another issuer', async () => {
    await expectRefused('wrong issuer', authority.token({ serviceUrl: t.connector.url, claims: { iss: 'https://evil.example.com' } }));
  });

  it('refuses an expired token (beyond the 5-minute clock tolerance)', async () => {
    await expectRefused('expired', authority.token({ serviceUrl: t.connector.url, expiresIn: -3600 }));
  });

  it('refuses a token not valid yet', async () => {
    await expectRefused('not yet valid', authority.token({ serviceUrl: t.connector.url, notBefore: 3600 }));
  });

  it('refuses a request with no token, and one with an empty bearer', async () => {
    await expectRefused('missing token', undefined);
    await expectRefused('empty bearer', '');
  });

  it('refuses an unsigned token (alg none)', async () => {
    await expectRefused('alg none', authority.token({ serviceUrl: t.connector.url, key: 'none' }));
  });

  it('refuses a token issued for another serviceUrl (replies redirected elsewhere)', async () => {
    await expectRefused('serviceUrl mismatch', authority.token({ serviceUrl: 'https://evil.example.com/', claims: { aud: APP_ID } }));
  });

  it('answers 503 (not 500, no library text) when the signing keys cannot be fetched', async () => {
    const broken = await authenticatedBot(authority, '/broken/.well-known/openid-configuration');
    try {
      const activity = message({ text: 'whoami', user: MEGAN, tenantId: CONTOSO, serviceUrl: broken.connector.url });
      const res = await postWithToken(broken.bot.url, activity, authority.token({ serviceUrl: activity.serviceUrl }));
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: 'auth_unavailable', message: 'The request could not be authenticated just now; try again.' });
      expect(broken.connector.calls).toHaveLength(0);
      record({ test: 'auth: keys unavailable', faults: 1 });
    } finally {
      await broken.stop();
    }
  });
});
