import { z } from 'zod';
import { SimError } from '../engine';
import { badRequest, collection, noContent, notFound, ok, parseBody, route, single, type GraphRequest, type Route } from '../graphHttp';
import { iso, type ServicePrincipal } from '../model';

/** The CTS service principals and their app role assignments (what puts users and groups in sync scope). */

export function requireSp(req: GraphRequest, id: string): ServicePrincipal {
  const sp = req.tenant.servicePrincipals.get(id.toLowerCase());
  if (!sp) throw notFound(id);
  return sp;
}

function spJson(sp: ServicePrincipal): Record<string, unknown> {
  return {
    id: sp.id,
    appId: sp.appId,
    displayName: sp.displayName,
    servicePrincipalType: 'Application',
    accountEnabled: true,
    applicationTemplateId: '518e5f48-1fc8-4c48-9387-9fdf28b0dfe7',
    tags: ['WindowsAzureActiveDirectoryIntegratedApp'],
    appRoles: sp.appRoles,
  };
}

const AssignmentBody = z
  .object({
    principalId: z.string().min(1),
    resourceId: z.string().min(1),
    appRoleId: z.string().min(1),
  })
  .passthrough();

/** Graph's assignment ids are opaque base64url strings, not GUIDs. */
function assignmentId(req: GraphRequest): string {
  return Buffer.from(req.state.engine.ids.hex(32), 'hex').toString('base64url');
}

export const servicePrincipalRoutes: Route[] = [
  route('GET', '/servicePrincipals', (req) =>
    collection(req, [...req.tenant.servicePrincipals.values()].map(spJson), {
      context: 'servicePrincipals',
      filterable: ['id', 'appId', 'displayName', 'applicationTemplateId'],
      resourceName: 'ServicePrincipal',
    }),
  ),
  route('GET', '/servicePrincipals/:id', (req, [id]) => single(req, spJson(requireSp(req, id)), 'servicePrincipals')),
  route('GET', '/servicePrincipals/:id/appRoleAssignedTo', (req, [id]) =>
    collection(
      req,
      requireSp(req, id).assignments.map((a) => ({ ...a })),
      {
        context: `servicePrincipals('${id}')/appRoleAssignedTo`,
        filterable: ['resourceId', 'principalId', 'principalDisplayName', 'principalType', 'appRoleId'],
        resourceName: 'appRoleAssignment',
      },
    ),
  ),
  route('POST', '/servicePrincipals/:id/appRoleAssignedTo', (req, [id]) => {
    const sp = requireSp(req, id);
    const body = parseBody(req, AssignmentBody);
    if (body.resourceId.toLowerCase() !== sp.id) throw badRequest(`resourceId '${body.resourceId}' does not match the service principal '${sp.id}'.`);
    const principalId = body.principalId.toLowerCase();
    const u = req.tenant.users.get(principalId);
    const g = req.tenant.groups.get(principalId);
    if (!u && !g) throw notFound(body.principalId);
    const appRoleId = body.appRoleId.toLowerCase();
    const role = sp.appRoles.find((r) => r.id === appRoleId);
    const defaultAccess = appRoleId === '00000000-0000-0000-0000-000000000000' && sp.appRoles.length === 0;
    if (!role && !defaultAccess) throw badRequest('Permission being assigned was not found on application');
    if (sp.assignments.some((a) => a.principalId === principalId && a.appRoleId === appRoleId)) {
      throw badRequest('Permission being assigned already exists on the object');
    }
    const a = {
      id: assignmentId(req),
      principalId,
      principalType: u ? ('User' as const) : ('Group' as const),
      principalDisplayName: (u ?? g)!.displayName,
      resourceId: sp.id,
      resourceDisplayName: sp.displayName,
      appRoleId,
      createdDateTime: iso(req.state.clock.now()),
    };
    sp.assignments.push(a);
    return ok({ '@odata.context': `${req.baseUrl}/$metadata#servicePrincipals('${sp.id}')/appRoleAssignedTo/$entity`, deletedDateTime: null, ...a }, 201);
  }),
  route('GET', '/servicePrincipals/:id/appRoleAssignedTo/:aid', (req, [id, aid]) => {
    const a = requireSp(req, id).assignments.find((x) => x.id === aid);
    if (!a) throw notFound(aid);
    return single(req, { ...a }, `servicePrincipals('${id}')/appRoleAssignedTo`);
  }),
  route('DELETE', '/servicePrincipals/:id/appRoleAssignedTo/:aid', (req, [id, aid]) => {
    const sp = requireSp(req, id);
    const i = sp.assignments.findIndex((a) => a.id === aid);
    if (i < 0)
      throw new SimError(404, 'Request_ResourceNotFound', `Resource '${aid}' does not exist or one of its queried reference-property objects are not present.`);
    sp.assignments.splice(i, 1);
    return noContent();
  }),
];
