import type { AppRoleAssignment, DirectoryRole, Group } from '@microsoft/microsoft-graph-types';
import { ROLE } from '../../src/domain/roles';
import { DEMO, startSimulator, type RunningSimulator } from '../../src/simulator';
import { DYNAMIC } from '../../src/simulator/dynamicGroups';
import type { Page } from '../harness/json';

/** Issue 14 item 4: dynamic groups with membership rules in the target tenants, served as Graph serves them. */
describe('simulator: dynamic groups', () => {
  let sim: RunningSimulator;
  const F = DEMO.tenants.fabrikam.id;
  const get = async <T = Page<Record<string, unknown>>>(p: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${sim.url}/${F}/v1.0${p}`, { headers: { authorization: 'Bearer sim', ...headers } });
    return { status: res.status, body: (await res.json()) as T };
  };
  const FILTER = `/groups?$filter=${encodeURIComponent("groupTypes/any(c:c eq 'DynamicMembership')")}&$select=id,displayName,membershipRule,isAssignableToRole`;

  beforeAll(async () => {
    sim = await startSimulator({ cycleIntervalMs: null });
  });
  afterAll(() => sim.close());

  it('the lambda filter on groupTypes is an advanced query: refused without ConsistencyLevel and $count', async () => {
    expect(await get(FILTER)).toMatchObject({ status: 400, body: { error: { code: 'Request_UnsupportedQuery' } } });
    expect((await get(`${FILTER}&$count=true`)).status).toBe(400);
    expect((await get(FILTER, { ConsistencyLevel: 'eventual' })).status).toBe(400);
  });

  it('Fabrikam has three dynamic groups with rules, none role-assignable (Entra forbids it); two are assigned to an app', async () => {
    const r = await get<Page<Group>>(`${FILTER}&$count=true`, { ConsistencyLevel: 'eventual' });
    expect(r.status).toBe(200);
    expect(r.body['@odata.count']).toBe(3);
    expect(r.body.value.map((g) => [g.displayName, g.isAssignableToRole]).sort()).toEqual(
      [
        [DYNAMIC.onboarding.displayName, false],
        [DYNAMIC.salesNl.displayName, false],
        [DYNAMIC.privilegedPool.displayName, false],
      ].sort(),
    );
    const apps = await get<Page<AppRoleAssignment>>(`/groups/${DYNAMIC.onboarding.id}/appRoleAssignments`);
    expect(apps.body.value).toEqual([
      expect.objectContaining({ principalId: DYNAMIC.onboarding.id, principalType: 'Group', resourceDisplayName: DYNAMIC.onboardingApp.displayName }),
    ]);
    expect((await get(`/groups/${DYNAMIC.salesNl.id}/appRoleAssignments`)).body.value).toEqual([]);
  });

  it('directory role members: the Global Administrator role lists its holder', async () => {
    const roles = (await get<Page<DirectoryRole>>('/directoryRoles')).body.value;
    const ga = roles.find((r) => r.roleTemplateId === ROLE.globalAdministrator)!;
    const members = await get(`/directoryRoles/${ga.id}/members`);
    expect(members.status).toBe(200);
    expect(members.body.value).toHaveLength(1);
    expect(members.body.value[0]['@odata.type']).toBe('#microsoft.graph.user');
  });
});
