import { collection, route, type Route } from '../graphHttp';

/** GET /auditLogs/provisioning: provisioningObjectSummary, newest first unless $orderby says otherwise. */

const FILTERABLE = [
  'id', 'jobId', 'cycleId', 'changeId', 'tenantId', 'activityDateTime', 'provisioningAction',
  'servicePrincipal/id', 'servicePrincipal/displayName', 'provisioningStatusInfo/status',
  'sourceIdentity/id', 'sourceIdentity/displayName', 'targetIdentity/id', 'targetIdentity/displayName', 'initiatedBy/initiatorType',
];

export const auditLogRoutes: Route[] = [
  route('GET', '/auditLogs/provisioning', (req) => {
    const newestFirst = [...req.tenant.provisioningLogs].reverse().map((l) => ({ ...l }) as Record<string, unknown>);
    return collection(req, newestFirst, {
      context: 'auditLogs/provisioning',
      filterable: FILTERABLE,
      // Log filters are case-sensitive (reference §5).
      caseInsensitive: false,
      orderable: ['activityDateTime'],
      directory: false,
      resourceName: 'provisioningObjectSummary',
    });
  }),
];
