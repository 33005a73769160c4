import { parseEstate } from '../../src/config';
import { credentialForTenant } from '../../src/graph/credentials';
import type { GraphTenant } from '../../src/graph/client';
import { createCtsGraph } from '../../src/graph/gateway';

const HOME = 'a5f2c9d1-3b7e-4c8a-9f16-2d4e8b0c7a31';
const GOV = 'b6e3d0e2-4c8f-4d9b-8a27-3e5f9c1d8b42';
const APP = '11111111-2222-4333-8444-555555555555';

/** A commercial home tenant syncing to `other`. */
function estateWith(other: Record<string, unknown>) {
  return {
    homeTenantId: HOME,
    tenants: [
      { id: HOME, name: 'Contoso' },
      { id: GOV, name: 'Contoso Gov', ...other },
    ],
    configurations: [{ name: 'c2g', sourceTenantId: HOME, targetTenantId: GOV, servicePrincipalId: '9c725e4b-4d6f-4819-b5c0-27e084dafa1c' }],
  };
}

function problems(other: Record<string, unknown>): string[] {
  const r = parseEstate(estateWith(other), 'CTS_CONFIG');
  return r.ok ? [] : r.problems.map((p) => `${p.where}: ${p.message}`);
}

describe('per-tenant clouds: authority host and Graph base URL are validated together', () => {
  it.each([
    ['US Government (GCC High)', 'https://login.microsoftonline.us', 'https://graph.microsoft.us/v1.0'],
    ['US Government (DoD)', 'https://login.microsoftonline.us', 'https://dod-graph.microsoft.us/v1.0'],
    ['21Vianet (partner host)', 'https://login.partner.microsoftonline.cn', 'https://microsoftgraph.chinacloudapi.cn/v1.0'],
    ['21Vianet (documented host)', 'https://login.chinacloudapi.cn/', 'https://microsoftgraph.chinacloudapi.cn/v1.0'],
    ['commercial', 'https://login.microsoftonline.com', 'https://graph.microsoft.com/beta'],
  ])('%s: a matching pair is accepted beside a commercial home tenant', (_name, authorityHost, graphBaseUrl) => {
    const r = parseEstate(estateWith({ authorityHost, graphBaseUrl }));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.estate.tenants[1].authorityHost).toBe(authorityHost.replace(/\/$/, ''));
  });

  it('US Gov authority with commercial Graph is a problem naming the tenant and what would fit', () => {
    expect(problems({ authorityHost: 'https://login.microsoftonline.us', graphBaseUrl: 'https://graph.microsoft.com/v1.0' })).toEqual([
      expect.stringMatching(
        /^CTS_CONFIG tenants\[1\]\.authorityHost: tenant Contoso Gov \(b6e3d0e2-.*\): authorityHost login\.microsoftonline\.us is US Government .* graphBaseUrl graph\.microsoft\.com is the commercial .*https:\/\/graph\.microsoft\.us\/v1\.0 or https:\/\/dod-graph\.microsoft\.us\/v1\.0/,
      ),
    ]);
  });

  it('21Vianet authority with US Gov Graph, and the default (commercial) Graph with a 21Vianet authority, are problems', () => {
    expect(problems({ authorityHost: 'https://login.partner.microsoftonline.cn', graphBaseUrl: 'https://graph.microsoft.us/v1.0' })[0]).toMatch(
      /Azure China \(21Vianet\) but graphBaseUrl graph\.microsoft\.us is US Government/,
    );
    expect(problems({ authorityHost: 'https://login.partner.microsoftonline.cn' })[0]).toMatch(
      /use graphBaseUrl https:\/\/microsoftgraph\.chinacloudapi\.cn\/v1\.0/,
    );
  });

  it('an authority host that is no Entra sign-in host (a typo) is a problem; plain http only on loopback', () => {
    expect(problems({ authorityHost: 'https://login.microsoftonline.co' })[0]).toMatch(
      /login\.microsoftonline\.co is not a Microsoft Entra sign-in host; use one of https:\/\/login\.microsoftonline\.com/,
    );
    expect(problems({ authorityHost: 'http://login.microsoftonline.us' })[0]).toMatch(/authorityHost must use https/);
  });

  it('a tenant that names only its Graph host signs in at that cloud; a global AZURE_AUTHORITY_HOST from another cloud is named at start-up', () => {
    expect(
      credentialForTenant({ id: GOV, graphBaseUrl: 'https://graph.microsoft.us/v1.0' }, { AZURE_CLIENT_ID: APP, AZURE_CLIENT_SECRET: 's' }).authorityHost,
    ).toBe('https://login.microsoftonline.us');
    expect(
      credentialForTenant({ id: GOV, graphBaseUrl: 'https://microsoftgraph.chinacloudapi.cn/v1.0' }, { AZURE_CLIENT_ID: APP, AZURE_CLIENT_SECRET: 's' })
        .authorityHost,
    ).toBe('https://login.chinacloudapi.cn');
    const graph = createCtsGraph(
      {
        tenants: <GraphTenant[]>[{ id: HOME }, { id: GOV, graphBaseUrl: 'https://graph.microsoft.us/v1.0', authorityHost: 'https://login.microsoftonline.us' }],
      },
      { env: { AZURE_CLIENT_ID: APP, AZURE_CLIENT_SECRET: 's', AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.us' } },
    );
    // The Gov tenant names its own authority; the commercial home tenant inherits the Gov one from the environment.
    expect(graph.credentialProblems()).toEqual([
      {
        tenantId: HOME,
        problem: expect.stringMatching(/^wrong cloud: authorityHost login\.microsoftonline\.us is US Government .*set authorityHost on the tenant/) as unknown,
      },
    ]);
  });
});

describe('per-tenant credential settings in the estate file', () => {
  it('names the client id, kind and where the proof is; never the secret itself', () => {
    const r = parseEstate(estateWith({ credential: { kind: 'secret', clientId: APP, secretVariable: 'GOV_CLIENT_SECRET' } }));
    expect(r.ok && r.estate.tenants[1].credential).toEqual({ kind: 'secret', clientId: APP, secretVariable: 'GOV_CLIENT_SECRET' });
    expect(problems({ credential: { kind: 'secret', secret: 'p@ss' } })[0]).toMatch(
      /^CTS_CONFIG tenants\[1\]\.credential: Unrecognized key\(s\) in object: 'secret'/,
    );
    expect(problems({ credential: { kind: 'secret', secretVariable: 'p@ss w0rd' } })[0]).toMatch(/must be the NAME of an environment variable/);
    expect(problems({ credential: { kind: 'password' } })[0]).toMatch(/credential\.kind must be "secret", "certificate" or "managedIdentity"/);
    expect(problems({ credential: { kind: 'managedIdentity', managedIdentityClientId: 'not-a-guid' } })[0]).toMatch(/managedIdentityClientId must be a GUID/);
  });

  it('what a kind still lacks is a start-up problem naming the tenant (no network)', () => {
    const graph = createCtsGraph(
      {
        tenants: <GraphTenant[]>[
          { id: HOME, credential: { kind: 'secret', clientId: APP, secretVariable: 'HOME_SECRET' } },
          {
            id: GOV,
            graphBaseUrl: 'https://graph.microsoft.us/v1.0',
            credential: { kind: 'certificate', clientId: APP, certificatePath: '/nonexistent/gov.pem' },
          },
        ],
      },
      { env: {} },
    );
    expect(graph.credentialProblems()).toEqual([
      { tenantId: HOME, problem: 'credential kind "secret" reads the client secret from the environment variable HOME_SECRET, which is not set' },
      { tenantId: GOV, problem: 'credential.certificatePath /nonexistent/gov.pem: file not found' },
    ]);
  });
});
