import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationServiceClientCredentialFactory } from 'botbuilder';
import jwt from 'jsonwebtoken';
import type { BotOverrides } from '../../src/index';
import { BotUnderTest } from '../harness/bot';
import { post } from '../harness/activities';

/** The app id the bot under attack is registered with (any GUID: nothing leaves this machine). */
export const APP_ID = '7d3f1c2a-5b6e-4f70-8a91-b2c3d4e5f601';
/** The issuer Teams' channel tokens carry (botbuilder checks it). */
export const CHANNEL_ISSUER = 'https://api.botframework.com';

/**
 * A stand-in for the Bot Framework's OpenID metadata on loopback: it serves a signing key generated here, so the
 * bot's real JWT validation (botframework-connector) checks tokens this suite signs. `broken` makes it answer 500.
 */
export class SigningAuthority {
  readonly kid = `test-${randomUUID()}`;
  private readonly keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  /** A second key the metadata never lists: a token signed with it carries our kid but a forged signature. */
  readonly forger: KeyObject = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  private server?: http.Server;
  broken = false;
  url = '';

  async start(): Promise<this> {
    const jwk = this.keys.publicKey.export({ format: 'jwk' });
    this.server = http.createServer((req, res) => {
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (this.broken || req.url?.startsWith('/broken')) return json(500, { error: 'down' });
      if (req.url?.endsWith('/openid-configuration'))
        return json(200, { issuer: CHANNEL_ISSUER, jwks_uri: `${this.url}/keys`, id_token_signing_alg_values_supported: ['RS256'] });
      if (req.url === '/keys') return json(200, { keys: [{ kty: 'RSA', use: 'sig', kid: this.kid, n: jwk.n, e: jwk.e, endorsements: ['msteams'] }] });
      json(404, {});
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** A channel token as Teams sends it, with any claim or header overridden. */
  token(opts: {
    serviceUrl: string;
    claims?: Record<string, unknown>;
    key?: KeyObject | 'none';
    kid?: string;
    expiresIn?: number;
    notBefore?: number;
  }): string {
    const now = Math.floor(Date.now() / 1000);
    const payload = { iss: CHANNEL_ISSUER, aud: APP_ID, serviceurl: opts.serviceUrl, iat: now, nbf: now - 60, exp: now + 3600, ...opts.claims };
    if (opts.notBefore !== undefined) payload.nbf = now + opts.notBefore;
    if (opts.expiresIn !== undefined) payload.exp = now + opts.expiresIn;
    if (opts.key === 'none') return jwt.sign(payload, '', { algorithm: 'none' });
    return jwt.sign(payload, opts.key ?? this.keys.privateKey, { algorithm: 'RS256', keyid: opts.kid ?? this.kid });
  }
}

/** Calls to the connector need no Entra token here: the stand-in accepts any; the app id check stays botbuilder's. */
type ConnectorCredentials = Awaited<ReturnType<ConfigurationServiceClientCredentialFactory['createCredentials']>>;
class NoOutboundTokens extends ConfigurationServiceClientCredentialFactory {
  override createCredentials(): Promise<ConnectorCredentials> {
    return Promise.resolve({ signRequest: (request) => Promise.resolve(request) });
  }
}

/** A bot registered with APP_ID, validating channel tokens against `authority`. */
export async function authenticatedBot(
  authority: SigningAuthority,
  metadataPath = '/.well-known/openid-configuration',
  overrides: BotOverrides = {},
): Promise<BotUnderTest> {
  const env = { MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'not-used' };
  return new BotUnderTest().start(env, {
    adapter: {
      endpoints: { openIdMetadataUrl: `${authority.url}${metadataPath}`, tokenIssuer: CHANNEL_ISSUER },
      credentialsFactory: new NoOutboundTokens({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'not-used' }),
    },
    ...overrides,
  });
}

/** Posts an activity with an Authorization header (or none). */
export function postWithToken(botUrl: string, activity: unknown, token: string | undefined): ReturnType<typeof post> {
  return post(botUrl, activity, token);
}

export { post };
