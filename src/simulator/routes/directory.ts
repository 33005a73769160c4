import { z } from 'zod';
import { ROLE_NAMES } from '../../domain/roles';
import { SimError } from '../engine';
import { badRequest, collection, noContent, notFound, ok, route, single, type GraphRequest, type Route } from '../graphHttp';
import type { SimTenant } from '../model';
import { withSignInActivity } from '../signInActivity';
import { directoryRoleJson, groupJson, typed, userJson } from '../wire';
import { requireAdvancedQuery } from '../dynamicGroups';

/** Users, groups, membership (direct and transitive), directory roles and role assignments. */

const USER_FILTERS = ['id', 'userPrincipalName', 'mail', 'userType', 'accountEnabled', 'displayName', 'department', 'jobTitle', 'givenName', 'surname'];
const GROUP_FILTERS = ['id', 'displayName', 'mail', 'mailNickname', 'securityEnabled', 'mailEnabled', 'isAssignableToRole'];

export function findUser(t: SimTenant, idOrUpn: string) {
  const key = idOrUpn.toLowerCase();
  return t.users.get(key) ?? [...t.users.values()].find((u) => u.id === key || u.userPrincipalName.toLowerCase() === key);
}

function requireUser(req: GraphRequest, idOrUpn: string) {
  const u = findUser(req.tenant, idOrUpn);
  if (!u) throw notFound(idOrUpn);
  return u;
}

function requireGroup(req: GraphRequest, id: string) {
  const g = req.tenant.groups.get(id.toLowerCase());
  if (!g) throw notFound(id);
  return g;
}

function memberJson(t: SimTenant, id: string): Record<string, unknown> | null {
  const u = t.users.get(id);
  if (u) return typed('user', userJson(u));
  const g = t.groups.get(id);
  return g ? typed('group', groupJson(g)) : null;
}

/** Group ids containing `principalId`, directly or through nesting. */
function groupsOf(t: SimTenant, principalId: string, transitive: boolean): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  let frontier = [principalId];
  while (frontier.length) {
    const next: string[] = [];
    for (const g of t.groups.values()) {
      if (seen.has(g.id)) continue;
      if (frontier.some((id) => g.members.includes(id))) {
        seen.add(g.id);
        found.push(g.id);
        next.push(g.id);
      }
    }
    frontier = transitive ? next : [];
  }
  return found;
}

/** Active directory roles held by these principals (a user, and for transitive, its role-assignable groups). */
function rolesOf(t: SimTenant, principalIds: string[]) {
  const templates = new Set(
    [...t.roleAssignments.values()].filter((a) => principalIds.includes(a.principalId) && a.directoryScopeId === '/').map((a) => a.roleDefinitionId),
  );
  return [...t.directoryRoles.values()].filter((r) => templates.has(r.roleTemplateId));
}

function membership(req: GraphRequest, principalId: string, transitive: boolean, cast?: string): Record<string, unknown>[] {
  const t = req.tenant;
  const groupIds = groupsOf(t, principalId, transitive);
  const groups = groupIds.map((id) => typed('group', groupJson(t.groups.get(id)!)));
  // Only role-assignable groups can hold roles, so roles reach members through them and nothing else.
  const roleHolders = [principalId, ...(transitive ? groupIds.filter((id) => t.groups.get(id)!.isAssignableToRole) : [])];
  // Without RoleManagement.Read.Directory Graph returns the roles with their type and id only (reference §6).
  const limited = req.state.switchesFor(t.id).limitedDirectoryRoles;
  const roles = rolesOf(t, roleHolders).map((r) => (limited ? { '@odata.type': '#microsoft.graph.directoryRole', id: r.id } : directoryRoleJson(r)));
  if (cast === undefined) return [...groups, ...roles];
  if (cast.toLowerCase() === 'microsoft.graph.group') return groups;
  if (cast.toLowerCase() === 'microsoft.graph.directoryrole') return roles;
  throw badRequest(`Unsupported type cast '${cast}'.`);
}

function members(req: GraphRequest, groupId: string, transitive: boolean): Record<string, unknown>[] {
  const t = req.tenant;
  const out: string[] = [];
  const seen = new Set<string>([groupId]);
  let frontier = [...requireGroup(req, groupId).members];
  while (frontier.length) {
    const next: string[] = [];
    for (const id of frontier) {
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(id);
      const nested = t.groups.get(id);
      if (transitive && nested) next.push(...nested.members);
    }
    frontier = next;
  }
  return out.map((id) => memberJson(t, id)).filter((m): m is Record<string, unknown> => m !== null);
}

function countText(req: GraphRequest, n: number) {
  if ((req.headers['consistencylevel'] ?? '').toLowerCase() !== 'eventual') {
    throw new SimError(400, 'Request_BadRequest', 'Count is not currently supported without the ConsistencyLevel: eventual header.');
  }
  return { status: 200, headers: { 'content-type': 'text/plain' }, body: String(n) };
}

const MEMBER_FILTERS = ['id', 'displayName', 'userPrincipalName', 'mail', 'userType', 'accountEnabled'];

const RoleAssignmentBody = z
  .object({
    principalId: z.string().min(1),
    roleDefinitionId: z.string().min(1),
    directoryScopeId: z.string().default('/'),
  })
  .passthrough();

export const directoryRoutes: Route[] = [
  route('GET', '/users', (req) =>
    collection(
      req,
      [...req.tenant.users.values()].map((u) => withSignInActivity(req, u, userJson(u))),
      { context: 'users', filterable: USER_FILTERS, countNeedsEventual: true, resourceName: 'User', orderable: ['displayName', 'userPrincipalName'] },
    ),
  ),
  route('GET', '/users/$count', (req) => countText(req, req.tenant.users.size)),
  route('GET', '/users/:id/memberOf/$count', (req, [id]) => countText(req, membership(req, requireUser(req, id).id, false).length)),
  route('GET', '/users/:id', (req, [id]) => {
    const u = requireUser(req, id);
    return single(req, withSignInActivity(req, u, userJson(u)), 'users');
  }),
  ...(['memberOf', 'transitiveMemberOf'] as const).flatMap((rel) => [
    route('GET', `/users/:id/${rel}`, (req, [id]) =>
      collection(req, membership(req, requireUser(req, id).id, rel === 'transitiveMemberOf'), {
        context: 'directoryObjects',
        filterable: ['id', 'displayName', 'roleTemplateId'],
        countNeedsEventual: true,
      }),
    ),
    route('GET', `/users/:id/${rel}/:cast`, (req, [id, cast]) => {
      // An OData cast on a transitive membership list is an advanced query in Graph: it needs both.
      if (rel === 'transitiveMemberOf' && ((req.headers['consistencylevel'] ?? '').toLowerCase() !== 'eventual' || req.query.get('$count') !== 'true')) {
        throw new SimError(
          400,
          'Request_UnsupportedQuery',
          'Unsupported query: an OData cast on transitiveMemberOf requires ConsistencyLevel: eventual and $count=true.',
        );
      }
      return collection(req, membership(req, requireUser(req, id).id, rel === 'transitiveMemberOf', cast), {
        context: cast.toLowerCase().endsWith('directoryrole') ? 'directoryRoles' : 'groups',
        filterable: ['id', 'displayName', 'roleTemplateId'],
        countNeedsEventual: true,
      });
    }),
  ]),
  route('GET', '/groups', (req) => {
    let groups = [...req.tenant.groups.values()];
    // The one lambda filter the bot sends (dynamic groups); the filter engine has no lambdas. An advanced query.
    if (/^groupTypes\/any\(c:c eq 'DynamicMembership'\)$/i.test(req.query.get('$filter') ?? '')) {
      requireAdvancedQuery(req);
      groups = groups.filter((g) => g.groupTypes.includes('DynamicMembership'));
      req.query.delete('$filter');
    }
    return collection(req, groups.map(groupJson), {
      context: 'groups',
      filterable: GROUP_FILTERS,
      countNeedsEventual: true,
      resourceName: 'Group',
      orderable: ['displayName'],
    });
  }),
  route('GET', '/groups/:id', (req, [id]) => single(req, groupJson(requireGroup(req, id)), 'groups')),
  ...(['members', 'transitiveMembers'] as const).flatMap((rel) => [
    route('GET', `/groups/:id/${rel}`, (req, [id]) =>
      collection(req, members(req, id, rel === 'transitiveMembers'), { context: 'directoryObjects', filterable: MEMBER_FILTERS, countNeedsEventual: true }),
    ),
    route('GET', `/groups/:id/${rel}/$count`, (req, [id]) => countText(req, members(req, id, rel === 'transitiveMembers').length)),
  ]),
  route('GET', '/directoryRoles', (req) => {
    if (req.state.switchesFor(req.tenant.id).limitedDirectoryRoles) {
      throw new SimError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    }
    return collection(req, [...req.tenant.directoryRoles.values()].map(directoryRoleJson), {
      context: 'directoryRoles',
      filterable: ['id', 'roleTemplateId', 'displayName'],
    });
  }),
  route('GET', '/roleManagement/directory/roleAssignments', (req) =>
    collection(
      req,
      [...req.tenant.roleAssignments.values()].map((a) => ({ ...a })),
      {
        context: 'roleManagement/directory/roleAssignments',
        filterable: ['id', 'principalId', 'roleDefinitionId', 'directoryScopeId'],
        resourceName: 'unifiedRoleAssignment',
        caseInsensitive: true,
      },
    ),
  ),
  route('GET', '/roleManagement/directory/roleAssignments/:id', (req, [id]) => {
    const a = req.tenant.roleAssignments.get(id);
    if (!a) throw notFound(id);
    return single(req, { ...a }, 'roleManagement/directory/roleAssignments');
  }),
  route('POST', '/roleManagement/directory/roleAssignments', (req) => {
    const body = parseBodyRole(req);
    const t = req.tenant;
    const principalId = body.principalId.toLowerCase();
    const g = t.groups.get(principalId);
    if (!t.users.has(principalId) && !g) throw badRequest(`Principal '${body.principalId}' was not found.`);
    if (g && !g.isAssignableToRole) throw badRequest('Only groups with isAssignableToRole can be assigned directory roles.');
    const templateId = body.roleDefinitionId.toLowerCase();
    if (!ROLE_NAMES[templateId]) throw badRequest(`Role definition '${body.roleDefinitionId}' was not found.`);
    if (
      [...t.roleAssignments.values()].some(
        (a) => a.principalId === principalId && a.roleDefinitionId === templateId && a.directoryScopeId === body.directoryScopeId,
      )
    ) {
      throw new SimError(409, 'Request_BadRequest', 'A conflicting object with one or more of the specified property values is present in the directory.');
    }
    if (![...t.directoryRoles.values()].some((r) => r.roleTemplateId === templateId)) {
      const rid = req.state.engine.ids.guid();
      t.directoryRoles.set(rid, { id: rid, roleTemplateId: templateId, displayName: ROLE_NAMES[templateId], description: ROLE_NAMES[templateId] });
    }
    const a = { id: req.state.engine.ids.guid(), principalId, roleDefinitionId: templateId, directoryScopeId: body.directoryScopeId };
    t.roleAssignments.set(a.id, a);
    return ok({ '@odata.context': `${req.baseUrl}/$metadata#roleManagement/directory/roleAssignments/$entity`, ...a }, 201);
  }),
  route('DELETE', '/roleManagement/directory/roleAssignments/:id', (req, [id]) => {
    if (!req.tenant.roleAssignments.delete(id)) throw notFound(id);
    return noContent();
  }),
];

function parseBodyRole(req: GraphRequest) {
  const r = RoleAssignmentBody.safeParse(req.body);
  if (!r.success) throw badRequest(`Invalid request body: ${r.error.issues[0]?.path.join('.')} ${r.error.issues[0]?.message}`);
  return r.data;
}
