import { collection, route, type Route } from '../graphHttp';

/** GET /auditLogs/provisioning: provisioningObjectSummary, newest first unless $orderby says otherwise. */

/**
 * Only jobId and activityDateTime are documented as filterable (reference §5); the CTS guide's own example also
 * filters servicePrincipal id/displayName. Anything else is refused, so a client that filters on action or status
 * server-side fails here as it may against Graph.
 */
const FILTERABLE = ['jobId', 'activityDateTime', 'servicePrincipal/id', 'servicePrincipal/displayName'];

export const auditLogRoutes: Route[] = [
  route('GET', '/auditLogs/provisioning', (req) => {
    const newestFirst = [...req.tenant.provisioningLogs].reverse().map((l) => ({ ...l }));
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
