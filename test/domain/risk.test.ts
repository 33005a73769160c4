import { assessRisk, isExternalUser, memberKind, newlyPrivileged, privilegedPeople, privilegedRoleNames, type RiskFacts } from '../../src/domain/risk';
import { ROLE } from '../../src/domain/roles';

const facts = (over: Partial<RiskFacts>): RiskFacts => ({
  op: 'add',
  configName: 'contoso-to-fabrikam',
  affected: 0,
  scopeSize: 0,
  groups: [],
  privileged: [],
  privilegedChecked: 0,
  maxGrowthShare: 0.25,
  ...over,
});

describe('risk of a scope-change request', () => {
  it('measures growth against the target tenant when its size is known, and warns above the share', () => {
    const r = assessRisk(facts({ affected: 30, scopeSize: 10, targetTenantUsers: 100 }));
    expect(r).toMatchObject({ usersAffected: 30, growthShare: 0.3, growthBasis: 'target-tenant', growthWarning: true, targetTenantUsers: 100 });
    expect(r.warnings).toEqual(["Adds 30 users, 30% of the target tenant's 100 users (more than 25%)."]);
  });

  it('falls back to the current scope, and stays quiet at or under the share', () => {
    const r = assessRisk(facts({ affected: 5, scopeSize: 20 }));
    expect(r).toMatchObject({ growthShare: 0.25, growthBasis: 'current-scope', growthWarning: false });
    expect(r.warnings).toEqual([]);
    expect(assessRisk(facts({ affected: 5, scopeSize: 0 })).growthShare).toBeUndefined();
  });

  it('trips the deletion threshold only when enabled and exceeded', () => {
    const tripped = assessRisk(facts({ op: 'remove', affected: 600, threshold: { enabled: true, value: 500 } }));
    expect(tripped).toMatchObject({ deletesInTarget: 600, deletionThreshold: 500, tripsDeletionThreshold: true });
    expect(tripped.warnings).toEqual([
      'The next cycle deletes or disables 600 B2B accounts in the target tenant.',
      'That is more than the accidental-deletion threshold of 500: the job will hold the deletions and quarantine until someone allows them.',
    ]);
    expect(assessRisk(facts({ op: 'remove', affected: 500, threshold: { enabled: true, value: 500 } })).tripsDeletionThreshold).toBe(false);
    const off = assessRisk(facts({ op: 'remove', affected: 1, threshold: { enabled: false, value: null, source: 'invalid' } }));
    expect(off).toMatchObject({ deletionThreshold: null, tripsDeletionThreshold: false });
    expect(off.warnings[0]).toBe(
      "Warning: the accidental-deletion threshold of contoso-to-fabrikam is unreadable (treated as off): nothing holds these deletions back for review. Turn it on (the portal's default is 500).",
    );
    expect(assessRisk(facts({ op: 'remove', affected: 0 })).warnings).toEqual(['The deletion threshold could not be read.']);
  });

  it('writes group and privileged warnings from the facts', () => {
    const r = assessRisk(
      facts({
        groups: [{ id: 'g', displayName: 'Sales', directMembers: 4, userMembers: 3, alreadyInScope: 1, nestedGroups: ['EMEA'], guests: 1 }],
        privileged: [{ id: 'u', displayName: 'Adele', roles: ['Global Administrator'] }],
      }),
    );
    expect(r.warnings).toEqual([
      'Sales: 4 direct members, 1 of them already in scope.',
      'Sales contains nested groups (EMEA): their members are NOT synced; only direct members of an assigned group are in scope.',
      'Sales has 1 guest: guests are skipped (cross-tenant sync syncs members only).',
      '1 of the people hold privileged directory roles: Adele (Global Administrator).',
    ]);
  });

  it('classifies guests and external members', () => {
    expect(isExternalUser({ userType: 'Guest' })).toBe(true);
    expect(isExternalUser({ userType: 'Member', userPrincipalName: 'a_fabrikam.com#EXT#@contoso.com' })).toBe(true);
    expect(isExternalUser({ userType: 'Member', creationType: 'Invitation' })).toBe(true);
    expect(isExternalUser({ userType: 'Member', externalUserState: 'Accepted' })).toBe(true);
    expect(isExternalUser({ userType: 'Member', userPrincipalName: 'adele@contoso.com' })).toBe(false);
    expect(memberKind({ '@odata.type': '#microsoft.graph.group' })).toBe('group');
    expect(memberKind({ userPrincipalName: 'adele@contoso.com' })).toBe('user');
    expect(memberKind({ '@odata.type': '#microsoft.graph.device' })).toBe('other');
  });

  it('finds privileged people from role template ids, and what became privileged since', () => {
    expect(privilegedRoleNames([ROLE.globalAdministrator.toUpperCase(), ROLE.reportsReader])).toEqual(['Global Administrator']);
    const now = privilegedPeople(
      [
        { id: 'a', displayName: 'Adele' },
        { id: 'b', displayName: 'Alex' },
      ],
      [[ROLE.globalAdministrator, ROLE.privilegedRoleAdministrator], [ROLE.reportsReader]],
    );
    expect(now).toEqual([{ id: 'a', displayName: 'Adele', roles: ['Global Administrator', 'Privileged Role Administrator'] }]);
    expect(newlyPrivileged([{ id: 'A', displayName: 'Adele', roles: ['Global Administrator'] }], now)).toEqual([
      { id: 'a', displayName: 'Adele', roles: ['Privileged Role Administrator'] },
    ]);
    expect(newlyPrivileged(now, now)).toEqual([]);
  });
});
