import { existsSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import {
  ClientAssertionCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
  type TokenCredential,
  type TokenCredentialOptions,
} from '@azure/identity';
import { cloudMismatch, defaultAuthorityFor } from '../config/clouds';
import type { TenantCredentialConfig } from '../config/estate';
import { isLoopbackUrl } from '../config/net';

/**
 * One credential per tenant. By default it is chosen from the same environment variables DefaultAzureCredential
 * reads; a tenant of the estate file may instead name its own client id, kind of proof and cloud.
 * Each target tenant needs its own token, so DefaultAzureCredential itself (home tenant only) is not enough.
 */
export interface CredentialEnv {
  AZURE_CLIENT_ID?: string;
  AZURE_CLIENT_SECRET?: string;
  AZURE_CLIENT_CERTIFICATE_PATH?: string;
  AZURE_CLIENT_CERTIFICATE_PASSWORD?: string;
  AZURE_FEDERATED_TOKEN_FILE?: string;
  AZURE_AUTHORITY_HOST?: string;
  /** Client id of a user-assigned managed identity used as the app's federated credential. */
  AZURE_MANAGED_IDENTITY_CLIENT_ID?: string;
  /** The bot's own tenant: the only one a managed identity can get tokens for directly. */
  AZURE_TENANT_ID?: string;
  /** Secrets a tenant's `credential.secretVariable` names. */
  [variable: string]: string | undefined;
}

/** The variables credentialForTenant reads by default (a tenant's secretVariable may name others). */
export const CREDENTIAL_VARIABLES = [
  'AZURE_CLIENT_ID',
  'AZURE_CLIENT_SECRET',
  'AZURE_CLIENT_CERTIFICATE_PATH',
  'AZURE_CLIENT_CERTIFICATE_PASSWORD',
  'AZURE_FEDERATED_TOKEN_FILE',
  'AZURE_AUTHORITY_HOST',
  'AZURE_MANAGED_IDENTITY_CLIENT_ID',
  'AZURE_TENANT_ID',
] as const;

/** What a tenant of the estate says about signing in (structurally the estate's TenantConfig). */
export interface CredentialTenant {
  id: string;
  graphBaseUrl?: string;
  authorityHost?: string;
  credential?: TenantCredentialConfig;
}

export type CredentialKind = 'clientSecret' | 'clientCertificate' | 'workloadIdentity' | 'managedIdentityAssertion' | 'managedIdentity';

export interface TenantCredential {
  kind: CredentialKind;
  credential: TokenCredential;
  /** Where it signs in, e.g. https://login.microsoftonline.us. */
  authorityHost: string;
}

/** Passed to every credential (tests point TLS at a loopback token endpoint's own certificate). */
export type CredentialExtras = TokenCredentialOptions;

const DEFAULT_GRAPH = 'https://graph.microsoft.com/v1.0';

/**
 * The credential for one tenant, or an Error whose message says what is missing. Nothing is called: a token is
 * only requested by getToken (see checkTenantToken for the start-up check).
 */
export function credentialForTenant(tenantOrId: string | CredentialTenant, env: CredentialEnv, extras: CredentialExtras = {}): TenantCredential {
  const tenant: CredentialTenant = typeof tenantOrId === 'string' ? { id: tenantOrId } : tenantOrId;
  const tenantId = tenant.id;
  const graphBaseUrl = tenant.graphBaseUrl ?? DEFAULT_GRAPH;
  const authorityHost = (tenant.authorityHost ?? env.AZURE_AUTHORITY_HOST?.trim()) || defaultAuthorityFor(graphBaseUrl);
  if (!isLoopbackUrl(graphBaseUrl)) {
    const mismatch = cloudMismatch(authorityHost, graphBaseUrl);
    if (mismatch)
      throw new Error(
        `wrong cloud: ${mismatch}${tenant.authorityHost ? '' : ' (the authority comes from AZURE_AUTHORITY_HOST; set authorityHost on the tenant)'}`,
      );
  }
  // A local token endpoint is not a known Entra host: skip instance discovery, which would ask login.microsoftonline.com.
  const options: TokenCredentialOptions = { ...extras, authorityHost, ...(isLoopbackUrl(authorityHost) ? { disableInstanceDiscovery: true } : {}) };
  const configured = tenant.credential;
  if (configured) return { authorityHost, ...fromEstate(tenantId, configured, env, options) };

  const clientId = env.AZURE_CLIENT_ID?.trim();
  if (clientId && env.AZURE_CLIENT_SECRET) {
    return { kind: 'clientSecret', authorityHost, credential: new ClientSecretCredential(tenantId, clientId, env.AZURE_CLIENT_SECRET, options) };
  }
  if (clientId && env.AZURE_CLIENT_CERTIFICATE_PATH) {
    return {
      kind: 'clientCertificate',
      authorityHost,
      credential: new ClientCertificateCredential(
        tenantId,
        clientId,
        { certificatePath: env.AZURE_CLIENT_CERTIFICATE_PATH, certificatePassword: env.AZURE_CLIENT_CERTIFICATE_PASSWORD },
        options,
      ),
    };
  }
  if (clientId && env.AZURE_FEDERATED_TOKEN_FILE) {
    return {
      kind: 'workloadIdentity',
      authorityHost,
      credential: new WorkloadIdentityCredential({ ...options, tenantId, clientId, tokenFilePath: env.AZURE_FEDERATED_TOKEN_FILE }),
    };
  }
  const mi = env.AZURE_MANAGED_IDENTITY_CLIENT_ID?.trim();
  if (clientId && mi) {
    return { kind: 'managedIdentityAssertion', authorityHost, credential: managedIdentityAssertion(tenantId, clientId, mi, options) };
  }
  if (env.AZURE_TENANT_ID && env.AZURE_TENANT_ID.toLowerCase() !== tenantId.toLowerCase()) {
    throw new Error(
      `No credential for tenant ${tenantId}: a managed identity only reaches its own tenant. Set AZURE_CLIENT_ID with AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE or AZURE_MANAGED_IDENTITY_CLIENT_ID, or give the tenant a "credential" in the estate file.`,
    );
  }
  return {
    kind: 'managedIdentity',
    authorityHost,
    credential: clientId ? new ManagedIdentityCredential({ ...extras, clientId }) : new ManagedIdentityCredential(extras),
  };
}

function fromEstate(tenantId: string, c: TenantCredentialConfig, env: CredentialEnv, options: TokenCredentialOptions): Omit<TenantCredential, 'authorityHost'> {
  const clientId = c.clientId ?? env.AZURE_CLIENT_ID?.trim();
  if (!clientId) throw new Error(`credential kind "${c.kind}" needs the app's client id: set credential.clientId in the estate file or AZURE_CLIENT_ID`);
  switch (c.kind) {
    case 'secret': {
      const variable = c.secretVariable ?? 'AZURE_CLIENT_SECRET';
      const secret = env[variable];
      if (!secret) throw new Error(`credential kind "secret" reads the client secret from the environment variable ${variable}, which is not set`);
      return { kind: 'clientSecret', credential: new ClientSecretCredential(tenantId, clientId, secret, options) };
    }
    case 'certificate': {
      const file = c.certificatePath ?? env.AZURE_CLIENT_CERTIFICATE_PATH;
      if (!file)
        throw new Error(
          'credential kind "certificate" needs credential.certificatePath in the estate file or AZURE_CLIENT_CERTIFICATE_PATH (a PEM file with the certificate and its private key)',
        );
      if (!existsSync(file)) throw new Error(`credential.certificatePath ${file}: file not found`);
      const certificatePassword = env[c.certificatePasswordVariable ?? 'AZURE_CLIENT_CERTIFICATE_PASSWORD'];
      return {
        kind: 'clientCertificate',
        credential: new ClientCertificateCredential(tenantId, clientId, { certificatePath: file, certificatePassword }, options),
      };
    }
    case 'managedIdentity': {
      const mi = c.managedIdentityClientId ?? env.AZURE_MANAGED_IDENTITY_CLIENT_ID?.trim();
      if (!mi)
        throw new Error(
          'credential kind "managedIdentity" needs the managed identity\'s client id: credential.managedIdentityClientId in the estate file or AZURE_MANAGED_IDENTITY_CLIENT_ID',
        );
      return { kind: 'managedIdentityAssertion', credential: managedIdentityAssertion(tenantId, clientId, mi, options) };
    }
  }
}

/**
 * A managed identity as a federated credential of a multi-tenant app: the identity's token for the token-exchange
 * audience is the app's client assertion, so the app signs in to every tenant that consented and no secret exists.
 */
function managedIdentityAssertion(tenantId: string, clientId: string, managedIdentityClientId: string, options: TokenCredentialOptions): TokenCredential {
  const {
    authorityHost: _authority,
    disableInstanceDiscovery: _discovery,
    ...rest
  } = options as TokenCredentialOptions & { disableInstanceDiscovery?: boolean };
  const identity = new ManagedIdentityCredential({ ...rest, clientId: managedIdentityClientId });
  return new ClientAssertionCredential(
    tenantId,
    clientId,
    async () => {
      const token = await identity.getToken(exchangeAudience(options.authorityHost ?? ''));
      if (!token) throw new Error('managed identity returned no token');
      return token.token;
    },
    options,
  );
}

/**
 * The audience Entra expects on a federated assertion. api://AzureADTokenExchange is documented (Graph
 * federatedIdentityCredential: "should be set to api://AzureADTokenExchange for Microsoft Entra ID"). UNVERIFIED: the
 * per-cloud values for US Government and 21Vianet below follow the managed-identity-as-credential guidance as we
 * recall it; no page at hand confirms them, so the federated credential's audience must match what is used here.
 */
function exchangeAudience(authorityHost: string): string {
  if (/\.us\/?$/i.test(authorityHost)) return 'api://AzureADTokenExchangeUSGov/.default';
  if (/\.cn\/?$/i.test(authorityHost)) return 'api://AzureADTokenExchangeChina/.default';
  return 'api://AzureADTokenExchange/.default';
}

/** Why a token request failed, sorted into what the admin has to do. */
export type TokenFailureReason = 'consent' | 'secret' | 'certificate' | 'federation' | 'cloud' | 'unreachable' | 'other';

export interface TokenFailure {
  reason: TokenFailureReason;
  /** One line for the admin: what is wrong and what to do, never the secret. */
  message: string;
  /** True when retrying cannot help (the configuration must change); false for network trouble. */
  definitive: boolean;
}

// Entra error codes (AADSTS…) seen on client-credential token requests, by what the admin must change.
const AADSTS: Record<string, { reason: TokenFailureReason; say: string }> = {
  '700016': { reason: 'consent', say: 'the app is not in this tenant: an administrator of the tenant must grant admin consent to the app' },
  '65001': { reason: 'consent', say: 'consent missing: an administrator of the tenant must grant admin consent to the app' },
  '7000229': { reason: 'consent', say: 'the app has no service principal in this tenant: an administrator must grant admin consent to the app' },
  '7000215': { reason: 'secret', say: 'wrong client secret (check the value, not the secret id)' },
  '7000222': { reason: 'secret', say: 'the client secret has expired: create a new one and rotate it (docs/runbooks.md)' },
  '700027': { reason: 'certificate', say: 'the certificate is not registered on the app or the assertion signature is invalid' },
  '700024': { reason: 'certificate', say: 'the client assertion is outside its validity time (check the machine clock)' },
  '70021': { reason: 'federation', say: 'no federated credential on the app matches the managed identity (issuer, subject, audience)' },
  '700211': { reason: 'federation', say: "no federated credential on the app matches the managed identity's issuer" },
  '700213': { reason: 'federation', say: "no federated credential on the app matches the managed identity's subject" },
  '90002': { reason: 'cloud', say: 'the tenant does not exist at this authority: wrong cloud (authorityHost) or wrong tenant id' },
  '900382': {
    reason: 'cloud',
    say: 'cross-cloud sign-in is not supported for confidential clients: this tenant is in another cloud, set its authorityHost and graphBaseUrl',
  },
  '500011': { reason: 'cloud', say: 'Microsoft Graph is not known at this authority: graphBaseUrl belongs to another cloud' },
  '7000112': { reason: 'consent', say: 'the app is disabled in this tenant' },
  '53003': { reason: 'other', say: 'blocked by a Conditional Access policy of the tenant' },
};

export function explainTokenFailure(err: unknown): TokenFailure {
  const e = err as { message?: unknown; code?: unknown; errorResponse?: { error?: unknown; errorDescription?: unknown; error_description?: unknown } };
  const text = [e?.message, e?.errorResponse?.errorDescription, e?.errorResponse?.error_description].filter((x) => typeof x === 'string').join(' ');
  const code = /AADSTS(\d+)/.exec(text)?.[1];
  const known = code ? AADSTS[code] : undefined;
  if (known) return { reason: known.reason, message: `${known.say} (AADSTS${code})`, definitive: true };
  if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|timed out|socket hang up|network/i.test(text + (typeof e?.code === 'string' ? e.code : ''))) {
    return { reason: 'unreachable', message: `cannot reach the sign-in endpoint (${firstLine(text)})`, definitive: false };
  }
  if (code) return { reason: 'other', message: `sign-in refused: AADSTS${code} (${firstLine(text)})`, definitive: true };
  if (/invalid_client/i.test(text))
    return { reason: 'secret', message: `the sign-in endpoint refused the app's proof (invalid_client: ${firstLine(text)})`, definitive: true };
  return { reason: 'other', message: `sign-in failed: ${firstLine(text) || String(err)}`, definitive: false };
}

function firstLine(text: string): string {
  // @azure/identity appends troubleshooting links and trace ids on later lines; the first line says what happened.
  return text
    .split('\n')[0]
    .replace(/\s*Trace ID:.*$/i, '')
    .slice(0, 300)
    .trim();
}

/** Asks for one token (the start-up check); answers undefined when it came, else why not. */
export async function checkTenantToken(
  tenantId: string,
  tc: TenantCredential,
  scope: string,
  timeoutMs: number,
  extras: CredentialExtras = {},
): Promise<TokenFailure | undefined> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  timer.unref();
  try {
    const token = await tc.credential.getToken(scope, { abortSignal: controller.signal });
    return token ? undefined : { reason: 'other', message: 'the credential returned no token', definitive: false };
  } catch (err) {
    if (controller.signal.aborted) return { reason: 'unreachable', message: `no token within ${Math.round(timeoutMs / 1000)} s`, definitive: false };
    const failure = explainTokenFailure(err);
    // MSAL reports a tenant the authority does not know and an authority it cannot reach alike ("endpoints
    // resolution"); the tenant's metadata document tells them apart.
    if (/endpoints_resolution_error/.test(String((err as Error)?.message ?? err))) return probeTenantMetadata(tc.authorityHost, tenantId, extras, timeoutMs);
    return failure;
  } finally {
    clearTimeout(timer);
  }
}

/** GET {authority}/{tenant}/v2.0/.well-known/openid-configuration: 200 fine, 4xx unknown tenant here, else unreachable. */
async function probeTenantMetadata(authorityHost: string, tenantId: string, extras: CredentialExtras, timeoutMs: number): Promise<TokenFailure> {
  const url = `${authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(tenantId)}/v2.0/.well-known/openid-configuration`;
  const ca = (extras as { tlsOptions?: { ca?: string | Buffer } }).tlsOptions?.ca;
  const answer = await new Promise<{ status: number; body: string } | { error: string }>((resolve) => {
    const req = httpsRequest(url, { method: 'GET', timeout: timeoutMs, ...(ca ? { ca } : {}) }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
    req.end();
  });
  if ('error' in answer) return { reason: 'unreachable', message: `cannot reach ${new URL(authorityHost).host} (${answer.error})`, definitive: false };
  if (answer.status >= 400 && answer.status < 500) {
    const code = /AADSTS(\d+)/.exec(answer.body)?.[1] ?? '90002';
    return {
      reason: 'cloud',
      message: `the tenant does not exist at ${new URL(authorityHost).host}: wrong cloud (set the tenant's authorityHost and graphBaseUrl) or wrong tenant id (AADSTS${code})`,
      definitive: true,
    };
  }
  return {
    reason: 'unreachable',
    message: `the sign-in metadata at ${new URL(authorityHost).host} could not be used (HTTP ${answer.status})`,
    definitive: false,
  };
}
