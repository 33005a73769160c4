import { z } from 'zod';
import { GRAPH_APP_ROLE_IDS, GRAPH_PERMISSIONS, MICROSOFT_GRAPH_APP_ID, SIMULATOR_BOT_APP_ID } from '../graph/permissions';
import { SimError } from './engine';
import { collection, notFound, ok, route, type GraphRequest, type Route } from './graphHttp';
import type { SimTenant } from './model';

/**
 * The bot's own app registration as each simulated tenant sees it: a service principal (appId
 * SIMULATOR_BOT_APP_ID) holding every Graph application permission the README table lists, until the control
 * API takes one away. Then its appRoleAssignments lack it and the Graph calls that need it answer 403, as Graph does.
 */

const ROLE_ID_BY_NAME = new Map(Object.entries(GRAPH_APP_ROLE_IDS).map(([id, name]) => [name.toLowerCase(), id]));

/** Every permission any row of the table names, in any tenant role: the simulator grants them all everywhere. */
export const BOT_PERMISSIONS: readonly string[] = [
  ...new Set(GRAPH_PERMISSIONS.flatMap((r) => Object.values(r.needs).flatMap((groups) => groups.map((anyOf) => anyOf[0])))),
];

export function botSpId(tenant: SimTenant): string {
  return `b0700000-0000-4000-8000-${tenant.id.slice(-12)}`;
}

function graphSpId(tenant: SimTenant): string {
  return `9a700000-0000-4000-8000-${tenant.id.slice(-12)}`;
}

export function botGranted(tenant: SimTenant): string[] {
  return BOT_PERMISSIONS.filter((p) => !tenant.botRevoked?.has(p.toLowerCase()));
}

function has(tenant: SimTenant, anyOf: readonly string[]): boolean {
  const granted = new Set(botGranted(tenant).map((p) => p.toLowerCase()));
  return anyOf.some((p) => granted.has(p.toLowerCase()));
}

/** Which permission (any of) a request needs; null = not gated by the simulator. */
function needed(method: string, path: string): readonly string[] | null {
  const p = path.toLowerCase();
  if (p.startsWith('/policies/')) return method === 'GET' ? ['Policy.Read.All'] : null;
  if (/^\/serviceprincipals\/[^/]+\/synchronization(\/|$)/.test(p)) return ['Synchronization.ReadWrite.All', 'Application.ReadWrite.OwnedBy'];
  if (p.startsWith('/auditlogs/')) return ['AuditLog.Read.All'];
  if (/^\/serviceprincipals\/[^/]+\/approleassignedto/.test(p))
    return method === 'GET' ? ['Application.Read.All', 'Directory.Read.All'] : ['AppRoleAssignment.ReadWrite.All'];
  if (/^\/serviceprincipals\/[^/]+\/approleassignments$/.test(p)) return ['Application.Read.All', 'Directory.Read.All'];
  if (method === 'GET' && p.startsWith('/users')) return ['User.Read.All', 'Directory.Read.All'];
  if (method === 'GET' && p.startsWith('/groups')) return ['GroupMember.Read.All', 'Directory.Read.All'];
  return null;
}

/** The 403 Graph answers when the app lacks the permission (only after a control-API revocation). */
export function permissionDenied(tenant: SimTenant, method: string, path: string): SimError | null {
  if (!tenant.botRevoked?.size) return null;
  const need = needed(method, path);
  if (!need || has(tenant, need)) return null;
  return new SimError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
}

function botSpJson(req: GraphRequest): Record<string, unknown> {
  return { id: botSpId(req.tenant), appId: SIMULATOR_BOT_APP_ID, displayName: 'CTS Ops bot', servicePrincipalType: 'Application', accountEnabled: true };
}

function assignmentJson(req: GraphRequest, permission: string): Record<string, unknown> {
  const appRoleId = ROLE_ID_BY_NAME.get(permission.toLowerCase())!;
  return {
    id: Buffer.from(`${botSpId(req.tenant)}:${appRoleId}`)
      .toString('base64url')
      .slice(0, 43),
    deletedDateTime: null,
    appRoleId,
    createdDateTime: '2024-01-01T00:00:00Z',
    principalDisplayName: 'CTS Ops bot',
    principalId: botSpId(req.tenant),
    principalType: 'ServicePrincipal',
    resourceDisplayName: 'Microsoft Graph',
    resourceId: graphSpId(req.tenant),
  };
}

const ALT_KEY = /^servicePrincipals\(appId='([^']*)'\)$/i;

export const botAppRoutes: Route[] = [
  route('GET', '/servicePrincipals/:id/appRoleAssignments', (req, [id]) => {
    if (id.toLowerCase() !== botSpId(req.tenant)) {
      if (!req.tenant.servicePrincipals.has(id.toLowerCase())) throw notFound(id);
      return collection(req, [], { context: `servicePrincipals('${id}')/appRoleAssignments`, filterable: [], resourceName: 'appRoleAssignment' });
    }
    return collection(
      req,
      botGranted(req.tenant).map((p) => assignmentJson(req, p)),
      { context: `servicePrincipals('${id}')/appRoleAssignments`, filterable: ['resourceId', 'appRoleId'], resourceName: 'appRoleAssignment' },
    );
  }),
];

/** `GET /servicePrincipals(appId='…')`: one segment, so the server tries it after every other route. */
export const altKeyRoute: Route = route('GET', '/:altKey', (req, [key]) => {
  const m = ALT_KEY.exec(key);
  if (!m) throw new SimError(404, 'ResourceNotFound', `Resource not found for the segment '${key}'.`);
  const appId = m[1].toLowerCase();
  if (appId === SIMULATOR_BOT_APP_ID) return ok({ '@odata.context': `${req.baseUrl}/$metadata#servicePrincipals/$entity`, ...botSpJson(req) });
  if (appId === MICROSOFT_GRAPH_APP_ID) {
    // Microsoft Graph's application permissions, as its service principal's appRoles (value = the permission's name).
    const appRoles = Object.entries(GRAPH_APP_ROLE_IDS).map(([id, value]) => ({
      id,
      value,
      displayName: value,
      allowedMemberTypes: ['Application'],
      isEnabled: true,
      origin: 'Application',
      description: value,
    }));
    return ok({
      '@odata.context': `${req.baseUrl}/$metadata#servicePrincipals/$entity`,
      id: graphSpId(req.tenant),
      appId,
      displayName: 'Microsoft Graph',
      appRoles,
    });
  }
  const sp = [...req.tenant.servicePrincipals.values()].find((s) => s.appId.toLowerCase() === appId);
  if (!sp) throw notFound(`servicePrincipals(appId='${m[1]}')`);
  return ok({ '@odata.context': `${req.baseUrl}/$metadata#servicePrincipals/$entity`, id: sp.id, appId: sp.appId, displayName: sp.displayName });
});

export const BotPermissionsBody = z
  .object({
    remove: z.array(z.string().min(1)).optional(),
    restore: z.array(z.string().min(1)).optional(),
  })
  .strict();

/** POST /_sim/tenants/{t}/bot-permissions { remove?: [names], restore?: [names] } → the permissions left. */
export function changeBotPermissions(tenant: SimTenant, body: z.output<typeof BotPermissionsBody>): { granted: string[]; revoked: string[] } {
  const known = new Set(BOT_PERMISSIONS.map((p) => p.toLowerCase()));
  for (const name of [...(body.remove ?? []), ...(body.restore ?? [])]) {
    if (!known.has(name.toLowerCase())) throw new SimError(400, 'BadRequest', `'${name}' is not one of the bot's permissions: ${BOT_PERMISSIONS.join(', ')}.`);
  }
  tenant.botRevoked ??= new Set();
  for (const name of body.remove ?? []) tenant.botRevoked.add(name.toLowerCase());
  for (const name of body.restore ?? []) tenant.botRevoked.delete(name.toLowerCase());
  return { granted: botGranted(tenant), revoked: [...tenant.botRevoked] };
}
