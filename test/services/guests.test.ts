import { checkRequest } from '../../src/services/scopeRequestChecks';
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
  const converted = {
    id: 'u1',
    displayName: 'Converted Guest',
    userPrincipalName: 'cg@contoso.com',
    userType: 'Member',
    creationType: 'Invitation',
    externalUserState: 'Accepted',
    accountEnabled: true,
  };
  const internal = {
    id: 'u2',
    displayName: 'Internal',
    userPrincipalName: 'in@contoso.com',
    userType: 'Member',
    creationType: null,
    externalUserState: null,
    accountEnabled: true,
  };
  const graph = {
    listAssignments: () => Promise.resolve([]),
    findUser: (_t: string, text: string) => Promise.resolve(text === 'cg@contoso.com' ? converted : null),
    findGroups: () => Promise.resolve([{ id: 'g1', displayName: 'Partners' }]),
    groupMembers: () =>
      Promise.resolve([
        { '@odata.type': '#microsoft.graph.user', ...converted },
        { '@odata.type': '#microsoft.graph.user', ...internal },
      ]),
    roleTemplateIds: () => Promise.resolve([]),
    userCount: () => Promise.resolve(100),
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

describe('issue 10 item 5: a disabled deletion threshold is a warning on a removal', () => {
  const config = { name: 'c2f', sourceTenantId: 's', targetTenantId: 't', servicePrincipalId: 'sp' } as SyncConfiguration;
  const user = { id: 'u2', displayName: 'Internal', userPrincipalName: 'in@contoso.com', userType: 'Member', accountEnabled: true };
  const graph = (threshold: object) =>
    ({
      listAssignments: () => Promise.resolve([{ id: 'a', principalId: 'u2', principalType: 'User', resourceId: 'sp', appRoleId: 'r' }]),
      findUser: () => Promise.resolve(user),
      groupMembers: () => Promise.resolve([]),
      deletionThreshold: () => Promise.resolve(threshold),
    }) as unknown as CtsGraph;

  it('off → a warning naming it; enabled without a value → the portal default of 500', async () => {
    const off = await checkRequest(
      graph({ enabled: false, value: null, source: 'secrets' }),
      { config, op: 'remove', principalType: 'user', principals: ['in@contoso.com'] },
      { maxGrowthShare: 0.25 },
    );
    expect(off.ok && off.risk.warnings.join('\n')).toMatch(/Warning: the accidental-deletion threshold of c2f is off/);
    const defaulted = await checkRequest(
      graph({ enabled: true, value: 500, defaulted: true, source: 'secrets' }),
      { config, op: 'remove', principalType: 'user', principals: ['in@contoso.com'] },
      { maxGrowthShare: 0.25 },
    );
    expect(defaulted.ok && defaulted.risk).toMatchObject({ deletionThreshold: 500 });
    expect(defaulted.ok && defaulted.risk.warnings.join('\n')).toContain("the portal's default of 500 applies");
  });
});
