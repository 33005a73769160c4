import type { Estate } from '../../src/config';
import { GraphError } from '../../src/graph/errors';
import type { CtsGraph } from '../../src/graph/gateway';
import { Configurations } from '../../src/services/configurations';
import { Doctor } from '../../src/services/doctor';

/** How a read that fails becomes a finding: a token failure fails `token`; a hung read is "could not check", not a hang. */
const S = '11111111-1111-4111-8111-111111111111';
const T = '22222222-2222-4222-8222-222222222222';
const SP = '33333333-3333-4333-8333-333333333333';
const estate = {
  homeTenantId: S,
  tenants: [
    { id: S, name: 'Contoso', graphBaseUrl: 'https://graph.microsoft.com/v1.0' },
    { id: T, name: 'Fabrikam', graphBaseUrl: 'https://graph.microsoft.com/v1.0' },
  ],
  configurations: [{ name: 'c2f', sourceTenantId: S, targetTenantId: T, servicePrincipalId: SP, jobId: 'Azure2Azure.x' }],
} as unknown as Estate;

function fakeGraph(overrides: Partial<CtsGraph>): CtsGraph {
  const never = () => new Promise<never>(() => undefined);
  const base: Partial<CtsGraph> = {
    botPermissions: () => Promise.resolve({ servicePrincipalId: SP, granted: [] }),
    partnerPolicy: never,
    identitySyncPolicy: never,
    deletionThreshold: never,
    syncAll: never,
    listAssignments: never,
    dynamicGroups: never,
    getJob: never,
    validateSavedCredentials: never,
    getSchema: never,
  };
  return { ...base, ...overrides } as CtsGraph;
}

/** Every read's time limit runs out at once (after the answers already given): no waiting for real time. */
/** Every read's timeout fires on the next turn of the event loop. */
const expiredAtOnce = {
  setTimeout: (fire: () => unknown) => setImmediate(fire),
  clearTimeout: (t: unknown) => clearImmediate(t as NodeJS.Immediate),
};

test('a 401 when reading its own app fails the token check for that tenant only', async () => {
  const graph = fakeGraph({
    botPermissions: (tenantId) => {
      if (tenantId === T) return Promise.reject(new GraphError({ operation: 'read', status: 401, code: 'InvalidAuthenticationToken' }));
      return Promise.resolve({ servicePrincipalId: SP, granted: ['Synchronization.ReadWrite.All'] });
    },
  });
  const report = await new Doctor(new Configurations(estate, graph), graph, { botAppId: () => SP, clock: expiredAtOnce, readTimeoutMs: 5000 }).run();
  const f = report.configurations[0].findings;
  expect(f.find((x) => x.id === 'token' && x.tenant === 'Fabrikam')).toMatchObject({
    status: 'fail',
    found: 'No token for Fabrikam: the bot has no valid token for Fabrikam.',
  });
  expect(f.find((x) => x.id === 'token' && x.tenant === 'Contoso')!.status).toBe('pass');
  // The reads that never answered are "could not check" with the time limit, not a hung card.
  expect(f.find((x) => x.id === 'target.syncAllowed')).toMatchObject({
    status: 'unknown',
    found: 'Could not check: no answer from Graph in Fabrikam within 5 s.',
  });
  expect(report.worst).toBe('fail');
});
