import { checkRequest } from '../../src/services/approvalChecks';
import { isExternalUser } from '../../src/services/scope';
import type { CtsGraph } from '../../src/graph/gateway';
import type { SyncConfiguration } from '../../src/config';

/** Issue 10 item 8: guests and external members are found by userType, creationType and externalUserState, not only #EXT#. */
describe('guest and external member detection', () => {
  it.each([
    [{ userType: 'Guest', userPrincipalName: 'kim@contoso.com' }, true],
    [{ userType: 'Member', userPrincipalName: 'kim_fabrikam.com#EXT#@contoso.com' }, true],
    [{ userType: 'Member', userPrincipalName: 'kim@contoso.com', creationType: 'Invitation' }, true],
    [{ userType: 'Member', userPrincipalName: 'kim@contoso.com', externalUserState: 'Accepted' }, true],
    [{ userType: 'Member', userPrincipalName: 'kim@contoso.com', creationType: null, externalUserState: null }, false],
  ])('%j → %s', (u, external) => expect(isExternalUser(u)).toBe(external));

  const config = { name: 'c2f', sourceTenantId: 's', targetTenantId: 't', servicePrincipalId: 'sp' } as SyncConfiguration;
  const converted = { id: 'u1', displayName: 'Converted Guest', userPrincipalName: 'cg@contoso.com', userType: 'Member', creationType: 'Invitation', externalUserState: 'Accepted', accountEnabled: true };
  const internal = { id: 'u2', displayName: 'Internal', userPrincipalName: 'in@contoso.com', userType: 'Member', creationType: null, externalUserState: null, accountEnabled: true };
  const graph = {
    listAssignments: async () => [],
    findUser: async (_t: string, text: string) => (text === 'cg@contoso.com' ? converted : null),
    findGroups: async () => [{ id: 'g1', displayName: 'Partners' }],
    groupMembers: async () => [
      { '@odata.type': '#microsoft.graph.user', ...converted },
      { '@odata.type': '#microsoft.graph.user', ...internal },
    ],
    roleTemplateIds: async () => [],
    userCount: async () => 100,
  } as unknown as CtsGraph;

  it('a converted guest (userType Member) is refused as external; it was accepted before', async () => {
    const r = await checkRequest(graph, { config, op: 'add', principalType: 'user', principals: ['cg@contoso.com'] }, { maxGrowthShare: 0.25 });
    expect(r).toMatchObject({ ok: false, problem: { code: 'guest' } });
  });

  it('a group with an external member counts it as a guest, not as a user who will sync', async () => {
    const r = await checkRequest(graph, { config, op: 'add', principalType: 'group', principals: ['Partners'] }, { maxGrowthShare: 0.25 });
    expect(r).toMatchObject({ ok: true, risk: { usersAffected: 1, groups: [{ guests: 1, userMembers: 2 }] } });
  });
});
