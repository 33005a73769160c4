import { SimError } from './engine';
import { collection, notFound, route, type GraphRequest, type Route } from './graphHttp';
import { iso, type ServicePrincipal, type SimGroup, type SimTenant, type SimWorld } from './model';
import { DEMO } from './demoIds';
import { typed, userJson, groupJson } from './wire';

/**
 * Dynamic groups in the target tenants, and the reads the bot's add-request warnings make of them: the groups'
 * app role assignments and the members of directory roles. Membership of these groups is not computed (the
 * simulator's groups are static); what matters is that their rules and grants are served as Graph serves them.
 *
 * The rules name only attributes the demo CTS schema does NOT map, so `doctor`'s "mappings feed dynamic groups"
 * check stays quiet on the demo estate; one of them still catches every synced newcomer (an unmapped attribute is
 * empty in the target), which is the demo of the dynamic-group warning.
 */

export const DYNAMIC = {
  /** Catches every account CTS creates in Fabrikam (department and employeeId stay empty); assigned to an app. */
  onboarding: {
    id: 'd1a0c0de-0001-4a00-8000-0000000000f1',
    displayName: 'Onboarding - profiles without HR data',
    membershipRule: '(user.department -eq null) -and (user.employeeId -eq null)',
  },
  /** A rule synced users do not meet. */
  salesNl: {
    id: 'd1a0c0de-0002-4a00-8000-0000000000f2',
    displayName: 'Fabrikam Sales NL',
    membershipRule: '(user.department -eq "Sales") -and (user.country -eq "NL")',
  },
  /**
   * A dynamic group that grants an app's admin role. Not role-assignable: "The membership type for role-assignable
   * groups must be Assigned and can't be a Microsoft Entra dynamic group" (learn.microsoft.com, Entra "Use Microsoft
   * Entra groups to manage role assignments"); so the privilege a dynamic group can carry is an app role, a licence,
   * an access package, Azure RBAC — of which Graph shows app role assignments.
   */
  privilegedPool: {
    id: 'd1a0c0de-0003-4a00-8000-0000000000f3',
    displayName: 'Fabrikam Admin Pool',
    membershipRule: '(user.jobTitle -startsWith "Admin") -or (user.department -eq "IT Security")',
  },
  /** A rule the bot cannot evaluate (-any over licence plans), in Northwind. */
  e5: {
    id: 'd1a0c0de-0004-4a00-8000-0000000000f4',
    displayName: 'Northwind E5 users',
    membershipRule:
      '(user.assignedPlans -any (assignedPlan.servicePlanId -eq "efb87545-963c-4e0d-99df-69c6916d9eb0" -and assignedPlan.capabilityStatus -eq "Enabled"))',
  },
  /** The app the onboarding group is assigned to (a service principal in Fabrikam). */
  onboardingApp: {
    id: 'd1a0c0de-00a1-4a00-8000-0000000000a1',
    appId: 'd1a0c0de-00a2-4a00-8000-0000000000a2',
    displayName: 'Fabrikam Onboarding Portal',
    roleId: 'd1a0c0de-00a3-4a00-8000-0000000000a3',
    adminRoleId: 'd1a0c0de-00a4-4a00-8000-0000000000a4',
  },
} as const;

function dynamicGroup(now: number, p: { id: string; displayName: string; membershipRule: string }): SimGroup {
  return {
    id: p.id,
    displayName: p.displayName,
    description: `Dynamic: ${p.membershipRule}`,
    mailEnabled: false,
    securityEnabled: true,
    groupTypes: ['DynamicMembership'],
    mail: null,
    mailNickname: p.displayName.replace(/[^A-Za-z0-9]/g, ''),
    isAssignableToRole: false,
    createdDateTime: iso(now - 200 * 86400_000),
    membershipRule: p.membershipRule,
    members: [],
  };
}

/** Adds the demo's dynamic groups (and the app one of them is assigned to) to the built world. */
export function addDynamicGroups(world: SimWorld, now: number): void {
  const fabrikam = world.tenants.get(DEMO.tenants.fabrikam.id);
  const northwind = world.tenants.get(DEMO.tenants.northwind.id);
  if (fabrikam) {
    for (const g of [dynamicGroup(now, DYNAMIC.onboarding), dynamicGroup(now, DYNAMIC.salesNl), dynamicGroup(now, DYNAMIC.privilegedPool)])
      fabrikam.groups.set(g.id, g);
    const app = DYNAMIC.onboardingApp;
    const sp: ServicePrincipal = {
      id: app.id,
      appId: app.appId,
      displayName: app.displayName,
      appRoles: [
        {
          id: app.roleId,
          value: 'User',
          displayName: 'User',
          description: 'Portal user',
          allowedMemberTypes: ['User'],
          isEnabled: true,
          origin: 'Application',
        },
        {
          id: app.adminRoleId,
          value: 'Admin',
          displayName: 'Admin',
          description: 'Portal administrator',
          allowedMemberTypes: ['User'],
          isEnabled: true,
          origin: 'Application',
        },
      ],
      assignments: [],
      secrets: new Map(),
      jobIds: [],
    };
    sp.assignments.push({
      id: 'ZGx5bmFtaWMtb25ib2FyZGluZy1hcHA',
      principalId: DYNAMIC.onboarding.id,
      principalType: 'Group',
      principalDisplayName: DYNAMIC.onboarding.displayName,
      resourceId: sp.id,
      resourceDisplayName: sp.displayName,
      appRoleId: app.roleId,
      createdDateTime: iso(now - 150 * 86400_000),
    });
    fabrikam.servicePrincipals.set(sp.id, sp);
    // The admin pool is assigned the portal's Admin role: what membership in it would grant.
    sp.assignments.push({
      id: 'ZGx5bmFtaWMtYWRtaW4tcG9vbC1hcHA',
      principalId: DYNAMIC.privilegedPool.id,
      principalType: 'Group',
      principalDisplayName: DYNAMIC.privilegedPool.displayName,
      resourceId: sp.id,
      resourceDisplayName: sp.displayName,
      appRoleId: app.adminRoleId,
      createdDateTime: iso(now - 120 * 86400_000),
    });
  }
  if (northwind) {
    const g = dynamicGroup(now, DYNAMIC.e5);
    northwind.groups.set(g.id, g);
  }
}

const eventual = (req: GraphRequest) => (req.headers['consistencylevel'] ?? '').toLowerCase() === 'eventual' && req.query.get('$count') === 'true';

/** Graph's answer to a lambda filter on groupTypes without the advanced-query parameters. */
export function requireAdvancedQuery(req: GraphRequest): void {
  if (!eventual(req)) {
    throw new SimError(400, 'Request_UnsupportedQuery', 'Unsupported query: a filter on groupTypes/any requires ConsistencyLevel: eventual and $count=true.');
  }
}

function holdersOf(t: SimTenant, roleId: string): Record<string, unknown>[] {
  const role = t.directoryRoles.get(roleId.toLowerCase());
  if (!role) throw notFound(roleId);
  return [...t.roleAssignments.values()]
    .filter((a) => a.roleDefinitionId === role.roleTemplateId && a.directoryScopeId === '/')
    .map((a) => {
      const u = t.users.get(a.principalId);
      if (u) return typed('user', userJson(u));
      const g = t.groups.get(a.principalId);
      return g ? typed('group', groupJson(g)) : null;
    })
    .filter((x): x is Record<string, unknown> => x !== null);
}

export const dynamicGroupRoutes: Route[] = [
  route('GET', '/directoryRoles/:id/members', (req, [id]) =>
    collection(req, holdersOf(req.tenant, id), { context: 'directoryObjects', filterable: ['id', 'displayName', 'userPrincipalName'] }),
  ),
  route('GET', '/groups/:id/appRoleAssignments', (req, [id]) => {
    const g = req.tenant.groups.get(id.toLowerCase());
    if (!g) throw notFound(id);
    const all = [...req.tenant.servicePrincipals.values()].flatMap((sp) => sp.assignments.filter((a) => a.principalId === g.id));
    return collection(
      req,
      all.map((a) => ({ deletedDateTime: null, ...a })),
      { context: `groups('${g.id}')/appRoleAssignments`, filterable: ['id', 'resourceId', 'appRoleId'] },
    );
  }),
];
