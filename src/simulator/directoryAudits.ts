import { collection, route, type GraphRequest, type Route } from './graphHttp';
import { iso } from './model';

/**
 * Directory audit records (GET /auditLogs/directoryAudits) for the policy changes made through the simulator's
 * Graph, with the actor: the user named by the `x-sim-actor` header (a UPN or id of that tenant), else the app.
 * UNVERIFIED: the activity names below; no page we could read lists the exact strings Entra writes.
 */

export interface PolicyChange {
  activity: string;
  targetId: string;
  targetName: string;
  modified: { displayName: string; oldValue: unknown; newValue: unknown }[];
}

function actor(req: GraphRequest): Record<string, unknown> {
  const who = (req.headers['x-sim-actor'] ?? '').toLowerCase();
  const user = who ? [...req.tenant.users.values()].find((u) => u.id === who || u.userPrincipalName.toLowerCase() === who) : undefined;
  if (user) return { user: { id: user.id, displayName: user.displayName, userPrincipalName: user.userPrincipalName, ipAddress: null }, app: null };
  return { user: null, app: { appId: null, displayName: 'Graph client', servicePrincipalId: null, servicePrincipalName: null } };
}

export function recordPolicyChange(req: GraphRequest, change: PolicyChange): void {
  const records = (req.tenant.directoryAudits ??= []);
  records.push({
    id: `Directory_${req.state.engine.ids.hex(8)}`,
    category: 'Policy',
    correlationId: req.state.engine.ids.guid(),
    result: 'success',
    resultReason: '',
    activityDisplayName: change.activity,
    activityDateTime: iso(req.state.clock.now()),
    loggedByService: 'Core Directory',
    operationType: 'Update',
    initiatedBy: actor(req),
    targetResources: [
      {
        id: change.targetId,
        displayName: change.targetName,
        type: 'Policy',
        userPrincipalName: null,
        groupType: null,
        modifiedProperties: change.modified.map((m) => ({
          displayName: m.displayName,
          oldValue: JSON.stringify(m.oldValue),
          newValue: JSON.stringify(m.newValue),
        })),
      },
    ],
    additionalDetails: [],
  });
}

export const directoryAuditRoutes: Route[] = [
  route('GET', '/auditLogs/directoryAudits', (req) =>
    collection(req, [...(req.tenant.directoryAudits ?? [])].reverse(), {
      context: 'auditLogs/directoryAudits',
      filterable: ['activityDisplayName', 'category', 'activityDateTime', 'loggedByService', 'result'],
      orderable: ['activityDateTime'],
      directory: false,
      resourceName: 'directoryAudit',
    }),
  ),
];
