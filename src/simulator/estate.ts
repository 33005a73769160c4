import { ROLE, ROLE_NAMES } from '../domain/roles';
import { DEMO } from './demoIds';
import { addDynamicGroups } from './dynamicGroups';
import { type EngineContext, runCycle } from './engine';
import {
  MSIAM_ACCESS_ROLE_ID,
  USER_ROLE_ID,
  NEVER,
  emptyTenant,
  iso,
  type AppRoleAssignment,
  type ServicePrincipal,
  type SimGroup,
  type SimJob,
  type SimTenant,
  type SimUser,
  type SimWorld,
} from './model';
import { DEPARTMENTS, FIRST_NAMES, JOB_TITLES, LAST_NAMES } from './names';
import { Prng } from './prng';
import { addWhyDemo } from './whyDemo';

/** Builds the deterministic built-in estate: three tenants in a sync mesh, with history. */

export type EstateSize = 'demo' | 'small';

interface Sizes {
  contoso: number;
  fabrikam: number;
  northwind: number;
  syncFabrikam: number;
  syncNorthwind: number;
  fabrikamToNorthwind: number;
}

const SIZES: Record<EstateSize, Sizes> = {
  demo: { contoso: 220, fabrikam: 90, northwind: 60, syncFabrikam: 40, syncNorthwind: 30, fabrikamToNorthwind: 25 },
  small: { contoso: 40, fabrikam: 16, northwind: 10, syncFabrikam: 26, syncNorthwind: 8, fabrikamToNorthwind: 6 },
};

function user(now: number, _domain: string, p: Partial<SimUser> & Pick<SimUser, 'id' | 'displayName' | 'userPrincipalName'>): SimUser {
  const [givenName = p.displayName, surname = ''] = p.displayName.split(' ');
  return {
    givenName,
    surname,
    mail: p.userType === 'Guest' ? null : p.userPrincipalName,
    userType: 'Member',
    accountEnabled: true,
    department: null,
    jobTitle: null,
    createdDateTime: iso(now - 400 * 86400_000),
    ...p,
  };
}

function generateUsers(t: SimTenant, rnd: Prng, count: number, now: number): SimUser[] {
  const made: SimUser[] = [];
  const taken = new Set([...t.users.values()].map((u) => u.userPrincipalName.toLowerCase()));
  for (let i = 0; i < count; i++) {
    const first = rnd.pick(FIRST_NAMES);
    const last = rnd.pick(LAST_NAMES);
    // Apostrophes stay in UPNs on purpose: they exercise OData string escaping end to end.
    let alias = `${first}.${last}`.replace(/\s+/g, '');
    let n = 1;
    while (taken.has(`${alias}@${t.domain}`.toLowerCase())) alias = `${first}.${last}${++n}`.replace(/\s+/g, '');
    taken.add(`${alias}@${t.domain}`.toLowerCase());
    const guest = rnd.chance(0.06);
    const u = user(now, t.domain, {
      id: rnd.guid(),
      displayName: `${first} ${last}`,
      givenName: first,
      surname: last,
      userPrincipalName: guest ? `${alias.toLowerCase()}_gmail.com#EXT#@${t.domain}` : `${alias}@${t.domain}`,
      userType: guest ? 'Guest' : 'Member',
      accountEnabled: !rnd.chance(0.05),
      department: rnd.pick(DEPARTMENTS),
      jobTitle: rnd.pick(JOB_TITLES),
      createdDateTime: iso(now - (30 + rnd.int(1500)) * 86400_000),
    });
    if (guest) u.mail = `${alias.toLowerCase()}@gmail.com`;
    t.users.set(u.id, u);
    made.push(u);
  }
  return made;
}

function group(now: number, p: Partial<SimGroup> & Pick<SimGroup, 'id' | 'displayName'>): SimGroup {
  const nick = p.displayName.replace(/[^A-Za-z0-9]/g, '');
  return {
    description: null,
    mailEnabled: false,
    securityEnabled: true,
    groupTypes: [],
    mail: null,
    mailNickname: nick,
    isAssignableToRole: false,
    createdDateTime: iso(now - 300 * 86400_000),
    members: [],
    ...p,
  };
}

function servicePrincipal(id: string, appId: string, targetName: string, targetId: string, threshold: number): ServicePrincipal {
  return {
    id,
    appId,
    displayName: `CTS to ${targetName}`,
    appRoles: [
      {
        id: MSIAM_ACCESS_ROLE_ID,
        value: null,
        displayName: 'msiam_access',
        description: 'msiam_access',
        allowedMemberTypes: ['User'],
        isEnabled: true,
        origin: 'Application',
      },
      {
        id: USER_ROLE_ID,
        value: null,
        displayName: 'User',
        description: 'User',
        allowedMemberTypes: ['User'],
        isEnabled: true,
        origin: 'Application',
      },
    ],
    assignments: [],
    secrets: new Map([
      ['AuthenticationType', 'SyncPolicy'],
      ['CompanyId', targetId],
      ['SyncAll', 'false'],
      [
        'SyncNotificationSettings',
        JSON.stringify({ Enabled: true, Recipients: 'cts-ops@contoso.com', DeleteThresholdEnabled: true, DeleteThresholdValue: threshold }),
      ],
    ]),
    jobIds: [],
  };
}

export function assign(t: SimTenant, sp: ServicePrincipal, principalId: string, id: string, now: number): AppRoleAssignment {
  const u = t.users.get(principalId);
  const g = t.groups.get(principalId);
  const a: AppRoleAssignment = {
    id,
    principalId,
    principalType: u ? 'User' : 'Group',
    principalDisplayName: (u ?? g)!.displayName,
    resourceId: sp.id,
    resourceDisplayName: sp.displayName,
    appRoleId: MSIAM_ACCESS_ROLE_ID,
    createdDateTime: iso(now),
  };
  sp.assignments.push(a);
  return a;
}

function newJob(id: string, spId: string, sourceTenantId: string, targetTenantId: string): SimJob {
  return {
    id,
    servicePrincipalId: spId,
    sourceTenantId,
    targetTenantId,
    scheduleState: 'Active',
    code: 'NotRun',
    quarantine: null,
    credentialsValid: true,
    forceDeletes: false,
    countSuccessiveCompleteFailures: 0,
    escrowsPruned: false,
    lastExecution: null,
    lastSuccessfulExecution: null,
    lastSuccessfulExecutionWithExports: null,
    steadyStateFirstAchievedTime: NEVER,
    steadyStateLastAchievedTime: NEVER,
    progressObservation: NEVER,
    links: new Map(),
    cycles: 0,
  };
}

function allowInbound(target: SimTenant, source: SimTenant): void {
  target.partners.set(source.id, {
    tenantId: source.id,
    automaticUserConsentSettings: { inboundAllowed: true, outboundAllowed: false },
    identitySynchronization: { tenantId: source.id, displayName: `${source.name} sync`, userSyncInbound: { isSyncAllowed: true } },
  });
  const out = source.partners.get(target.id);
  if (out) out.automaticUserConsentSettings.outboundAllowed = true;
  else
    source.partners.set(target.id, {
      tenantId: target.id,
      automaticUserConsentSettings: { inboundAllowed: false, outboundAllowed: true },
      identitySynchronization: null,
    });
}

function grantRole(t: SimTenant, rnd: Prng, principalId: string, templateId: string): void {
  if (![...t.directoryRoles.values()].some((r) => r.roleTemplateId === templateId)) {
    const id = rnd.guid();
    t.directoryRoles.set(id, { id, roleTemplateId: templateId, displayName: ROLE_NAMES[templateId] ?? templateId, description: ROLE_NAMES[templateId] ?? '' });
  }
  const id = rnd.guid();
  t.roleAssignments.set(id, { id, principalId, roleDefinitionId: templateId, directoryScopeId: '/' });
}

export function buildWorld(size: EstateSize, ctx: Omit<EngineContext, 'world'>, seed: number): SimWorld {
  const rnd = new Prng(seed);
  const now = ctx.clock.now();
  const sizes = SIZES[size];
  const D = DEMO;
  const contoso = emptyTenant(D.tenants.contoso.id, D.tenants.contoso.name, D.tenants.contoso.domain);
  const fabrikam = emptyTenant(D.tenants.fabrikam.id, D.tenants.fabrikam.name, D.tenants.fabrikam.domain);
  const northwind = emptyTenant(D.tenants.northwind.id, D.tenants.northwind.name, D.tenants.northwind.domain);

  const fixed: SimUser[] = [
    user(now, contoso.domain, { ...D.users.megan, department: 'IT', jobTitle: 'Identity Engineer' }),
    user(now, contoso.domain, { ...D.users.adele, department: 'IT', jobTitle: 'Application Owner' }),
    user(now, contoso.domain, { ...D.users.lee, department: 'Finance', jobTitle: 'Analyst' }),
    user(now, contoso.domain, { ...D.users.nestor, department: 'Legal', jobTitle: 'Auditor' }),
    user(now, contoso.domain, { ...D.users.alex, department: 'IT', jobTitle: 'Director' }),
    user(now, contoso.domain, { ...D.users.guest, userType: 'Guest', department: null, jobTitle: null }),
  ];
  fixed[fixed.length - 1].mail = 'patti@outlook.com';
  fixed.forEach((u) => contoso.users.set(u.id, u));

  const cUsers = generateUsers(contoso, rnd, sizes.contoso, now);
  const fUsers = generateUsers(fabrikam, rnd, sizes.fabrikam, now);
  const nUsers = generateUsers(northwind, rnd, sizes.northwind, now);
  const members = (list: SimUser[]) => list.filter((u) => u.userType === 'Member');
  const guests = (list: SimUser[]) => list.filter((u) => u.userType === 'Guest');

  // Contoso groups: departments (security), a few Microsoft 365 groups, nesting, and the sync groups.
  const deptGroups = DEPARTMENTS.map((dep) => {
    const g = group(now, { id: rnd.guid(), displayName: `${dep} Team`, description: `Everyone in ${dep}` });
    g.members = cUsers.filter((u) => u.department === dep).map((u) => u.id);
    contoso.groups.set(g.id, g);
    return g;
  });
  const allStaff = group(now, { id: rnd.guid(), displayName: 'All Staff', description: 'Nested: every department group' });
  allStaff.members = deptGroups.map((g) => g.id);
  contoso.groups.set(allStaff.id, allStaff);
  for (const name of ['Project Falcon', 'Contoso Social Club', 'Quarterly Planning', 'Partner Collaboration']) {
    const g = group(now, {
      id: rnd.guid(),
      displayName: name,
      groupTypes: ['Unified'],
      mailEnabled: true,
      securityEnabled: false,
      mail: `${name.replace(/\s+/g, '')}@${contoso.domain}`,
    });
    g.members = [
      ...members(cUsers)
        .filter(() => rnd.chance(0.08))
        .map((u) => u.id),
      ...guests(cUsers)
        .slice(0, 2)
        .map((u) => u.id),
    ];
    if (name === 'Partner Collaboration') g.members.push(D.users.guest.id);
    contoso.groups.set(g.id, g);
  }
  const approvers = group(now, { ...D.groups.ctsApprovers, isAssignableToRole: true, description: 'Approve CTS operations (Application Administrator)' });
  approvers.members = [D.users.adele.id];
  contoso.groups.set(approvers.id, approvers);

  const contractors = group(now, { ...D.groups.syncFabrikamContractors, description: 'Nested in Sync - Fabrikam: NOT in scope (no cascade)' });
  contractors.members = members(cUsers)
    .slice(-6)
    .map((u) => u.id);
  contoso.groups.set(contractors.id, contractors);
  const syncF = group(now, { ...D.groups.syncFabrikam, description: 'Users synchronized to Fabrikam' });
  syncF.members = [
    ...cUsers.slice(0, sizes.syncFabrikam).map((u) => u.id), // includes the odd guest and disabled user
    contractors.id,
    D.users.guest.id,
  ];
  contoso.groups.set(syncF.id, syncF);
  const syncN = group(now, { ...D.groups.syncNorthwind, description: 'Users synchronized to Northwind' });
  syncN.members = cUsers.slice(sizes.syncFabrikam, sizes.syncFabrikam + sizes.syncNorthwind).map((u) => u.id);
  contoso.groups.set(syncN.id, syncN);

  const fGroup = group(now, { ...D.groups.fabrikamToNorthwind, description: 'Fabrikam users synchronized to Northwind' });
  fGroup.members = fUsers.slice(0, sizes.fabrikamToNorthwind).map((u) => u.id);
  fabrikam.groups.set(fGroup.id, fGroup);
  const fEng = group(now, { id: rnd.guid(), displayName: 'Fabrikam Engineering' });
  fEng.members = fUsers.filter((u) => u.department === 'Engineering').map((u) => u.id);
  fabrikam.groups.set(fEng.id, fEng);
  const nAll = group(now, {
    id: rnd.guid(),
    displayName: 'Northwind Everyone',
    groupTypes: ['Unified'],
    mailEnabled: true,
    securityEnabled: false,
    mail: `everyone@${northwind.domain}`,
  });
  nAll.members = nUsers.map((u) => u.id);
  northwind.groups.set(nAll.id, nAll);

  // Roles in the home tenant.
  grantRole(contoso, rnd, D.users.megan.id, ROLE.hybridIdentityAdministrator);
  grantRole(contoso, rnd, D.groups.ctsApprovers.id, ROLE.applicationAdministrator);
  grantRole(contoso, rnd, D.users.nestor.id, ROLE.globalReader);
  grantRole(contoso, rnd, D.users.alex.id, ROLE.globalAdministrator);
  grantRole(fabrikam, rnd, fUsers[0].id, ROLE.globalAdministrator);

  // Policies: each target allows inbound sync from its sources.
  allowInbound(fabrikam, contoso);
  allowInbound(northwind, contoso);
  allowInbound(northwind, fabrikam);

  const world: SimWorld = {
    homeTenantId: contoso.id,
    tenants: new Map([contoso, fabrikam, northwind].map((t) => [t.id, t])),
    jobs: new Map(),
    configurations: [],
  };
  const threshold = size === 'small' ? 5 : D.deleteThreshold;
  const mesh: [{ name: string; servicePrincipalId: string; jobId: string }, SimTenant, SimTenant, string[]][] = [
    [D.configurations.contosoToFabrikam, contoso, fabrikam, [syncF.id, D.users.megan.id, D.users.adele.id]],
    [D.configurations.contosoToNorthwind, contoso, northwind, [syncN.id, D.users.megan.id]],
    [
      D.configurations.fabrikamToNorthwind,
      fabrikam,
      northwind,
      [
        fGroup.id,
        ...members(fUsers)
          .slice(-3)
          .map((u) => u.id),
      ],
    ],
  ];
  for (const [cfg, source, target, principals] of mesh) {
    const sp = servicePrincipal(cfg.servicePrincipalId, rnd.guid(), target.name, target.id, threshold);
    source.servicePrincipals.set(sp.id, sp);
    principals.forEach((p) => assign(source, sp, p, rnd.guid().replace(/-/g, '').slice(0, 22) + 'AAAA', now));
    const job = newJob(cfg.jobId, sp.id, source.id, target.id);
    sp.jobIds.push(job.id);
    world.jobs.set(job.id, job);
    world.configurations.push({ name: cfg.name, sourceTenantId: source.id, targetTenantId: target.id, servicePrincipalId: sp.id, jobId: job.id });
  }
  addDynamicGroups(world, now);
  // One completed cycle each, so status has history from the start.
  addWhyDemo(contoso, fabrikam, contoso.servicePrincipals.get(D.configurations.contosoToFabrikam.servicePrincipalId)!, contractors, now);
  const engine: EngineContext = { ...ctx, world };
  for (const job of world.jobs.values()) runCycle(engine, job);
  return world;
}
