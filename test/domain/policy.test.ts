import fc from 'fast-check';
import { PolicySubject, DEFAULT_POLICY, PERMISSIONS, Permission, Policy, evaluate, parsePolicy, permissionsOf } from '../../src/domain/policy';
import { ROLE } from '../../src/domain/roles';

const HOME = '11111111-1111-1111-1111-111111111111';
const OTHER = '22222222-2222-2222-2222-222222222222';
const GROUP = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

const caller = (over: Partial<PolicySubject> = {}): PolicySubject => ({
  tenantId: HOME,
  homeTenantId: HOME,
  userType: 'Member',
  roleTemplateIds: [],
  groupIds: [],
  ...over,
});

function policyOf(json: unknown): Policy {
  const r = parsePolicy(json);
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.policy;
}

describe('default policy', () => {
  const table: [string, string[], Permission[]][] = [
    ['a plain member', [], ['scope.request']],
    ['a Global Reader', [ROLE.globalReader], ['sync.read', 'scope.request']],
    ['a Security Reader', [ROLE.securityReader], ['sync.read', 'scope.request']],
    ['a Reports Reader', [ROLE.reportsReader], ['sync.read', 'scope.request']],
    ['an Application Administrator', [ROLE.applicationAdministrator], ['sync.read', 'sync.operate', 'scope.request', 'scope.approve', 'alerts.manage']],
    [
      'a Cloud Application Administrator',
      [ROLE.cloudApplicationAdministrator],
      ['sync.read', 'sync.operate', 'scope.request', 'scope.approve', 'alerts.manage'],
    ],
    ['a Hybrid Identity Administrator', [ROLE.hybridIdentityAdministrator], [...PERMISSIONS]],
    ['a Global Administrator', [ROLE.globalAdministrator], [...PERMISSIONS]],
    ['a Global Administrator (upper-case id)', [ROLE.globalAdministrator.toUpperCase()], [...PERMISSIONS]],
    ['a Security Administrator', [ROLE.securityAdministrator], ['scope.request']],
  ];
  test.each(table)('%s holds exactly the expected permissions', (_who, roles, expected) => {
    expect(permissionsOf(DEFAULT_POLICY, caller({ roleTemplateIds: roles }))).toEqual(expected);
  });

  test('a refusal names the missing permission and who grants it, in words', () => {
    const d = evaluate(DEFAULT_POLICY, caller({ roleTemplateIds: [ROLE.globalReader] }), 'sync.operate', 'contoso-to-fabrikam');
    expect(d.allowed).toBe(false);
    if (d.allowed) return;
    expect(d.permission).toBe('sync.operate');
    expect(d.grantedBy).toEqual(['Hybrid Identity Administrator', 'Application Administrator', 'Cloud Application Administrator', 'Global Administrator']);
    expect(d.reason).toMatch(/sync\.operate/);
    expect(d.reason).toMatch(/for contoso-to-fabrikam/);
    expect(d.reason).toMatch(/Hybrid Identity Administrator/);
  });

  test('an approval says which role let it through', () => {
    expect(evaluate(DEFAULT_POLICY, caller({ roleTemplateIds: [ROLE.applicationAdministrator] }), 'scope.approve')).toEqual({
      allowed: true,
      via: 'role Application Administrator',
    });
  });

  test('a guest may not request scope changes; an unconfirmed user type is refused too', () => {
    const guest = evaluate(DEFAULT_POLICY, caller({ userType: 'Guest' }), 'scope.request');
    expect(guest.allowed === false && guest.reason).toMatch(/Guests/);
    const unknown = evaluate(DEFAULT_POLICY, caller({ userType: 'Unknown' }), 'scope.request');
    expect(unknown.allowed === false && unknown.reason).toMatch(/could not confirm/);
  });

  test('callers from another tenant are refused even as Global Administrator', () => {
    const d = evaluate(DEFAULT_POLICY, caller({ tenantId: OTHER, roleTemplateIds: [ROLE.globalAdministrator] }), 'sync.read');
    expect(d.allowed).toBe(false);
    expect(d.allowed === false && d.reason).toMatch(/another organisation/);
    expect(permissionsOf(DEFAULT_POLICY, caller({ tenantId: OTHER, roleTemplateIds: [ROLE.globalAdministrator] }))).toEqual([]);
    expect(evaluate(DEFAULT_POLICY, caller({ tenantId: '' }), 'scope.request').allowed).toBe(false);
  });

  test('tenant ids compare case-insensitively', () => {
    expect(evaluate(DEFAULT_POLICY, caller({ tenantId: HOME.toUpperCase() }), 'scope.request').allowed).toBe(true);
  });

  test('property: from another tenant nothing is ever allowed', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.subarray(Object.values(ROLE)), fc.constantFrom(...PERMISSIONS), (tenant, roles, perm) => {
        fc.pre(tenant.toLowerCase() !== HOME);
        expect(evaluate(DEFAULT_POLICY, caller({ tenantId: tenant, roleTemplateIds: roles }), perm).allowed).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('policy file', () => {
  test('a permission override replaces the defaults; groups grant too', () => {
    const p = policyOf({ permissions: { 'scope.approve': { roles: [ROLE.globalAdministrator], groups: [GROUP.toUpperCase()] } } });
    expect(evaluate(p, caller({ roleTemplateIds: [ROLE.applicationAdministrator] }), 'scope.approve').allowed).toBe(false);
    expect(evaluate(p, caller({ groupIds: [GROUP] }), 'scope.approve')).toEqual({ allowed: true, via: `group ${GROUP}` });
    // Others keep their defaults.
    expect(evaluate(p, caller({ roleTemplateIds: [ROLE.applicationAdministrator] }), 'sync.operate').allowed).toBe(true);
  });

  test('a per-configuration override applies to that configuration only (names case-insensitive)', () => {
    const p = policyOf(
      JSON.stringify({
        configurations: { 'Contoso-To-Fabrikam': { permissions: { 'sync.operate': { groups: [GROUP] } } } },
      }),
    );
    const opsGroup = caller({ groupIds: [GROUP] });
    expect(evaluate(p, opsGroup, 'sync.operate', 'contoso-to-fabrikam').allowed).toBe(true);
    expect(evaluate(p, opsGroup, 'sync.operate', 'contoso-to-litware').allowed).toBe(false);
    expect(evaluate(p, opsGroup, 'sync.operate').allowed).toBe(false);
    const refused = evaluate(p, caller({ roleTemplateIds: [ROLE.globalAdministrator] }), 'sync.operate', 'contoso-to-fabrikam');
    expect(refused.allowed === false && refused.grantedBy).toEqual([`members of group ${GROUP}`]);
  });

  test('scope.request can be narrowed to a group', () => {
    const p = policyOf({ permissions: { 'scope.request': { groups: [GROUP] } } });
    expect(evaluate(p, caller(), 'scope.request').allowed).toBe(false);
    expect(evaluate(p, caller({ groupIds: [GROUP] }), 'scope.request').allowed).toBe(true);
  });

  test('an empty grant means nobody, and says so', () => {
    const p = policyOf({ permissions: { 'deletes.allow': {} } });
    const d = evaluate(p, caller({ roleTemplateIds: [ROLE.globalAdministrator] }), 'deletes.allow');
    expect(d.allowed === false && d.reason).toMatch(/nobody/);
  });

  test.each<[unknown, RegExp[]]>([
    ['{not json', [/^\$: is not valid JSON/]],
    [[], [/^\$: must be a JSON object/]],
    [{ permisions: {} }, [/^\$: unknown key "permisions"; allowed: schemaVersion, permissions, configurations/]],
    [{ permissions: { 'scope.aprove': { roles: [] } } }, [/^\$\.permissions\["scope\.aprove"\]: is not a permission: use one of sync\.read/]],
    [
      { permissions: { 'scope.approve': { roles: ['Global Administrator'] } } },
      [/^\$\.permissions\["scope\.approve"\]\.roles\[0\]: must be a role template id: a GUID like/],
    ],
    [{ permissions: { 'scope.approve': { roles: ROLE.globalAdministrator } } }, [/^\$\.permissions\["scope\.approve"\]\.roles: must be a list of GUIDs/]],
    [{ permissions: { 'scope.approve': { groups: ['sales'] } } }, [/groups\[0\]: must be a group object id/]],
    [{ permissions: { 'sync.read': { role: [] } } }, [/unknown key "role"; allowed: roles, groups, anyMember/]],
    [{ permissions: { 'sync.read': ['x'] } }, [/\["sync\.read"\]: must be an object like/]],
    [{ configurations: { 'bad name!': { permissions: {} } } }, [/is not a configuration name/]],
    [{ configurations: { cfg: { perms: {} } } }, [/\$\.configurations\.cfg: unknown key "perms"; allowed: permissions/]],
    [{ configurations: { cfg: { permissions: {} }, CFG: { permissions: {} } } }, [/same name as "cfg" apart from case/]],
    [{ schemaVersion: 2 }, [/^\$\.schemaVersion: must be 1/]],
    [{ configurations: { cfg: {} } }, [/^\$\.configurations\.cfg\.permissions: is required/]],
    [{ permissions: 'all' }, [/^\$\.permissions: must be an object like \{"sync\.operate"/]],
  ])('problems name the JSON path and a valid value: %j', (input, expected) => {
    const r = parsePolicy(input);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    for (const re of expected) expect(r.problems.some((p) => re.test(p))).toBe(true);
  });

  test('all problems are reported at once', () => {
    const r = parsePolicy({ permissions: { 'sync.read': { roles: ['x', 'y'] } }, extra: 1 });
    expect(r.ok === false && r.problems.length).toBe(3);
  });

  test('an empty document is the default policy', () => {
    expect(policyOf({})).toEqual(DEFAULT_POLICY);
  });
});
