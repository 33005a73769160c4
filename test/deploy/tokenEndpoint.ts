/**
 * A Microsoft Entra token endpoint stand-in on loopback HTTPS (MSAL refuses plain-http authorities), plus an App
 * Service managed-identity endpoint on loopback HTTP. Certificates are made at test time with openssl: no private
 * key is committed.
 */
import { execFileSync } from 'node:child_process';
import { constants, verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface SelfSigned {
  certPem: string;
  keyPem: string;
  /** cert + key in one file, as ClientCertificateCredential reads it. */
  pemPath: string;
}

export function selfSigned(commonName: string, ipSan?: string): SelfSigned {
  const dir = mkdtempSync(path.join(tmpdir(), 'cts-cert-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${commonName}`];
  if (ipSan) args.push('-addext', `subjectAltName=IP:${ipSan}`);
  execFileSync('openssl', args, { stdio: 'ignore' });
  const certPem = readFileSync(cert, 'utf8');
  const keyPem = readFileSync(key, 'utf8');
  const pemPath = path.join(dir, 'client.pem');
  writeFileSync(pemPath, `${certPem}\n${keyPem}`);
  return { certPem, keyPem, pemPath };
}

/** What one tenant's directory knows about the bot's app. */
export interface TenantRegistration {
  /** False: the app was never consented there (AADSTS700016). */
  consented?: boolean;
  secret?: string;
  /** PEM of the certificate registered on the app. */
  certificatePem?: string;
  /** The managed identity token accepted as a federated assertion. */
  federatedAssertion?: string;
}

export interface TokenRequestSeen {
  tenantId: string;
  form: URLSearchParams;
}

export interface FakeEntra {
  authorityHost: string;
  /** Trust this in the credential's tlsOptions. */
  ca: string;
  requests: TokenRequestSeen[];
  close(): Promise<void>;
}

const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

function aadError(res: http.ServerResponse, status: number, code: number, text: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      error: status === 401 ? 'invalid_client' : 'invalid_request',
      error_description: `AADSTS${code}: ${text} Trace ID: 0 Correlation ID: 0 Timestamp: 2026-01-01 00:00:00Z`,
      error_codes: [code],
    }),
  );
}

/** Checks the client assertion's signature with the registered certificate's public key (RS256 or PS256). */
function verifyAssertion(jwt: string, certificatePem: string): boolean {
  const [header, payload, signature] = jwt.split('.');
  if (!header || !payload || !signature) return false;
  const alg = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string }).alg;
  const key = new X509Certificate(certificatePem).publicKey;
  const padding = alg === 'PS256' ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : {};
  return verify('sha256', Buffer.from(`${header}.${payload}`), { key, ...padding }, Buffer.from(signature, 'base64url'));
}

export async function startFakeEntra(clientId: string, tenants: Record<string, TenantRegistration>): Promise<FakeEntra> {
  const tls = selfSigned('127.0.0.1', '127.0.0.1');
  const requests: TokenRequestSeen[] = [];
  let base = '';
  const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const url = new URL(req.url ?? '/', base);
    const m = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token)$/.exec(url.pathname);
    const tenantId = m?.[1] ?? '';
    const reg = tenants[tenantId];
    if (m && m[2].startsWith('v2.0')) {
      if (!reg) return aadError(res, 400, 90002, `Tenant '${tenantId}' not found.`);
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(
        JSON.stringify({
          token_endpoint: `${base}/${tenantId}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/${tenantId}/oauth2/v2.0/authorize`,
          issuer: `${base}/${tenantId}/v2.0`,
          jwks_uri: `${base}/${tenantId}/discovery/v2.0/keys`,
        }),
      );
    }
    if (!m || req.method !== 'POST') {
      res.writeHead(404);
      return res.end();
    }
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      requests.push({ tenantId, form });
      if (!reg) return aadError(res, 400, 90002, `Tenant '${tenantId}' not found.`);
      if (form.get('client_id') !== clientId || reg.consented === false) {
        return aadError(res, 400, 700016, `Application with identifier '${form.get('client_id')}' was not found in the directory '${tenantId}'.`);
      }
      const secret = form.get('client_secret');
      const assertion = form.get('client_assertion');
      let ok = false;
      if (secret !== null) {
        if (secret !== reg.secret) return aadError(res, 401, 7000215, 'Invalid client secret provided.');
        ok = true;
      } else if (assertion !== null && form.get('client_assertion_type') === CLIENT_ASSERTION_TYPE) {
        if (reg.federatedAssertion !== undefined) {
          if (assertion !== reg.federatedAssertion)
            return aadError(res, 401, 700213, 'No matching federated identity record found for presented assertion subject.');
          ok = true;
        } else if (reg.certificatePem) {
          if (!verifyAssertion(assertion, reg.certificatePem)) return aadError(res, 401, 700027, 'Client assertion failed signature validation.');
          ok = true;
        }
      }
      if (!ok) return aadError(res, 401, 7000215, 'Invalid client secret provided.');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, access_token: `token-for-${tenantId}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    authorityHost: base,
    ca: tls.certPem,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface FakeManagedIdentity {
  /** Set as IDENTITY_ENDPOINT / IDENTITY_HEADER (App Service's managed identity convention). */
  endpoint: string;
  header: string;
  token: string;
  audiences: string[];
  close(): Promise<void>;
}

/** The App Service managed-identity endpoint: GET ?resource=…&client_id=… with X-IDENTITY-HEADER. */
export async function startFakeManagedIdentity(miClientId: string): Promise<FakeManagedIdentity> {
  const token = `mi-assertion-${miClientId}`;
  const header = 'identity-header-secret';
  const audiences: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.headers['x-identity-header'] !== header || url.searchParams.get('client_id') !== miClientId) {
      res.writeHead(400, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: 'invalid_request', error_description: 'unknown identity' }));
    }
    audiences.push(url.searchParams.get('resource') ?? '');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        access_token: token,
        expires_on: String(Math.floor(Date.now() / 1000) + 3600),
        resource: url.searchParams.get('resource'),
        token_type: 'Bearer',
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/msi/token`,
    header,
    token,
    audiences,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
