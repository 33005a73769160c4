import { credentialForTenant, explainTokenFailure } from '../../src/graph/credentials';
import type { GraphTenant } from '../../src/graph/client';
import { createCtsGraph } from '../../src/graph/gateway';
import { selfSigned, startFakeEntra, startFakeManagedIdentity, type FakeEntra } from './tokenEndpoint';

const APP = '11111111-2222-4333-8444-555555555555';
const MI = '99999999-8888-4777-8666-555555555555';
const CONTOSO = 'a5f2c9d1-3b7e-4c8a-9f16-2d4e8b0c7a31';
const FABRIKAM = 'b6e3d0e2-4c8f-4d9b-8a27-3e5f9c1d8b42';
const NORTHWIND = 'c7f4e1f3-5d9a-4eac-9b38-4f6a0d2e9c53';
const GRAPH = 'https://graph.microsoft.com/v1.0';
const SCOPE = 'https://graph.microsoft.com/.default';

describe('per-tenant credentials against a loopback token endpoint (no internet)', () => {
  const clientCert = selfSigned('cts-ops-test-client');
  const otherCert = selfSigned('someone-else');
  let entra: FakeEntra;
  beforeAll(async () => {
    entra = await startFakeEntra(APP, {
      [CONTOSO]: { secret: 'right-secret' },
      [FABRIKAM]: { certificatePem: clientCert.certPem },
      [NORTHWIND]: { consented: false },
    });
  });
  afterAll(() => entra.close());
  const extras = () => ({ tlsOptions: { ca: entra.ca } });

  it('a client secret named per tenant (secretVariable) gets a token; the wrong one is "wrong secret"', async () => {
    const tenant = {
      id: CONTOSO,
      graphBaseUrl: GRAPH,
      authorityHost: entra.authorityHost,
      credential: { kind: 'secret' as const, clientId: APP, secretVariable: 'CONTOSO_SECRET' },
    };
    const good = credentialForTenant(tenant, { CONTOSO_SECRET: 'right-secret' }, extras());
    expect(good.kind).toBe('clientSecret');
    expect((await good.credential.getToken(SCOPE))?.token).toBe(`token-for-${CONTOSO}`);
    const seen = entra.requests.filter((r) => r.tenantId === CONTOSO).at(-1)!;
    expect(seen.form.get('client_id')).toBe(APP);
    expect(seen.form.get('scope')).toBe(SCOPE);

    const bad = credentialForTenant(tenant, { CONTOSO_SECRET: 'stale-secret' }, extras());
    const failure = explainTokenFailure(await bad.credential.getToken(SCOPE).catch((e: unknown) => e));
    expect(failure).toMatchObject({ reason: 'secret', definitive: true });
    expect(failure.message).toContain('wrong client secret');
    expect(failure.message).not.toContain('stale-secret');
  });

  it('a certificate (PEM with cert + key) signs a client assertion the endpoint verifies; an unregistered one is refused', async () => {
    const tenant = {
      id: FABRIKAM,
      graphBaseUrl: GRAPH,
      authorityHost: entra.authorityHost,
      credential: { kind: 'certificate' as const, clientId: APP, certificatePath: clientCert.pemPath },
    };
    const good = credentialForTenant(tenant, {}, extras());
    expect(good.kind).toBe('clientCertificate');
    expect((await good.credential.getToken(SCOPE))?.token).toBe(`token-for-${FABRIKAM}`);
    const seen = entra.requests.filter((r) => r.tenantId === FABRIKAM).at(-1)!;
    expect(seen.form.get('client_secret')).toBeNull();
    expect(seen.form.get('client_assertion')?.split('.')).toHaveLength(3);

    const wrong = credentialForTenant({ ...tenant, credential: { ...tenant.credential, certificatePath: otherCert.pemPath } }, {}, extras());
    expect(explainTokenFailure(await wrong.credential.getToken(SCOPE).catch((e: unknown) => e))).toMatchObject({ reason: 'certificate', definitive: true });
  });

  it('a managed identity as federated credential: its token is the client assertion, and no secret exists anywhere', async () => {
    const mi = await startFakeManagedIdentity(MI);
    const saved = { IDENTITY_ENDPOINT: process.env.IDENTITY_ENDPOINT, IDENTITY_HEADER: process.env.IDENTITY_HEADER };
    process.env.IDENTITY_ENDPOINT = mi.endpoint;
    process.env.IDENTITY_HEADER = mi.header;
    const fed = await startFakeEntra(APP, { [FABRIKAM]: { federatedAssertion: mi.token } });
    try {
      const tenant = {
        id: FABRIKAM,
        graphBaseUrl: GRAPH,
        authorityHost: fed.authorityHost,
        credential: { kind: 'managedIdentity' as const, clientId: APP, managedIdentityClientId: MI },
      };
      const cred = credentialForTenant(tenant, {}, { tlsOptions: { ca: fed.ca } });
      expect(cred.kind).toBe('managedIdentityAssertion');
      expect((await cred.credential.getToken(SCOPE))?.token).toBe(`token-for-${FABRIKAM}`);
      const seen = fed.requests.at(-1)!;
      expect(seen.form.get('client_assertion')).toBe(mi.token);
      expect(seen.form.get('client_secret')).toBeNull();
      expect(mi.audiences).toEqual(['api://AzureADTokenExchange']);
    } finally {
      process.env.IDENTITY_ENDPOINT = saved.IDENTITY_ENDPOINT;
      process.env.IDENTITY_HEADER = saved.IDENTITY_HEADER;
      if (saved.IDENTITY_ENDPOINT === undefined) delete process.env.IDENTITY_ENDPOINT;
      if (saved.IDENTITY_HEADER === undefined) delete process.env.IDENTITY_HEADER;
      await fed.close();
      await mi.close();
    }
  });

  it('the start-up check names every tenant whose token fails and why: consent missing, wrong secret, wrong cloud', async () => {
    const UNKNOWN = 'd8a5f2a4-6eab-4fbd-8c49-5a7b1e3fad64';
    const graph = createCtsGraph(
      {
        tenants: <GraphTenant[]>[
          { id: CONTOSO, graphBaseUrl: GRAPH, authorityHost: entra.authorityHost, credential: { kind: 'secret', clientId: APP } },
          {
            id: FABRIKAM,
            graphBaseUrl: GRAPH,
            authorityHost: entra.authorityHost,
            credential: { kind: 'certificate', clientId: APP, certificatePath: clientCert.pemPath },
          },
          { id: NORTHWIND, graphBaseUrl: GRAPH, authorityHost: entra.authorityHost, credential: { kind: 'secret', clientId: APP } },
          { id: UNKNOWN, graphBaseUrl: GRAPH, authorityHost: entra.authorityHost, credential: { kind: 'secret', clientId: APP } },
        ],
      },
      { env: { AZURE_CLIENT_SECRET: 'wrong' }, credentialExtras: extras() },
    );
    const problems = await graph.tokenProblems!();
    const byTenant = Object.fromEntries(problems.map((p) => [p.tenantId, p]));
    expect(Object.keys(byTenant).sort()).toEqual([CONTOSO, NORTHWIND, UNKNOWN].sort());
    expect(byTenant[CONTOSO]).toMatchObject({ reason: 'secret', definitive: true });
    expect(byTenant[NORTHWIND]).toMatchObject({ reason: 'consent', definitive: true });
    expect(byTenant[NORTHWIND].message).toContain('admin consent');
    expect(byTenant[UNKNOWN]).toMatchObject({ reason: 'cloud', definitive: true });
  });

  it('startBot refuses to serve, naming each tenant (by name and estate position) whose token is refused', async () => {
    const { startBot } = await import('../../src/index');
    const { loadConfig, ConfigError } = await import('../../src/config');
    const { createLogger } = await import('../../src/logger');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(tmpdir(), 'cts-token-'));
    const file = path.join(dir, 'estate.json');
    writeFileSync(
      file,
      JSON.stringify({
        homeTenantId: CONTOSO,
        tenants: [
          { id: CONTOSO, name: 'Contoso', authorityHost: entra.authorityHost, credential: { kind: 'secret', clientId: APP, secretVariable: 'CONTOSO_SECRET' } },
          {
            id: NORTHWIND,
            name: 'Northwind',
            authorityHost: entra.authorityHost,
            credential: { kind: 'secret', clientId: APP, secretVariable: 'CONTOSO_SECRET' },
          },
        ],
        configurations: [{ name: 'c2n', sourceTenantId: CONTOSO, targetTenantId: NORTHWIND, servicePrincipalId: '9c725e4b-4d6f-4819-b5c0-27e084dafa1c' }],
      }),
    );
    const config = loadConfig({
      CTS_CONFIG: file,
      ALLOW_ANONYMOUS_REAL_TENANTS: 'true',
      PORT: '0',
      DATA_DIR: path.join(dir, 'data'),
      LOG_LEVEL: 'silent',
      MONITOR: 'off',
    });
    const attempt = startBot(config, {
      logger: createLogger('silent'),
      graph: (estate) => createCtsGraph(estate, { env: { CONTOSO_SECRET: 'right-secret' }, credentialExtras: extras() }),
    });
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toMatchObject({
      problems: [
        {
          where: 'CTS_CONFIG tenants[1]',
          message: expect.stringMatching(
            /^tenant Northwind \(c7f4e1f3-.*\): no token \(consent\): the app is not in this tenant: an administrator of the tenant must grant admin consent/,
          ) as unknown,
        },
      ],
    });
  });

  it('an unreachable sign-in endpoint is a warning (definitive: false), not a configuration problem', async () => {
    const graph = createCtsGraph(
      { tenants: <GraphTenant[]>[{ id: CONTOSO, graphBaseUrl: GRAPH, authorityHost: 'https://127.0.0.1:9', credential: { kind: 'secret', clientId: APP } }] },
      { env: { AZURE_CLIENT_SECRET: 'x' }, credentialExtras: { ...extras(), retryOptions: { maxRetries: 0 } } },
    );
    const [problem] = await graph.tokenProblems!();
    expect(problem).toMatchObject({ tenantId: CONTOSO, reason: 'unreachable', definitive: false });
  });
});
