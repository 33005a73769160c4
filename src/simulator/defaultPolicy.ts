import { z } from 'zod';
import { noContent, ok, parseBody, route, type GraphRequest, type Route } from './graphHttp';
import type { SimTenant } from './model';
import { recordPolicyChange } from './directoryAudits';

/**
 * The tenant's default cross-tenant access settings (GET/PATCH /policies/crossTenantAccessPolicy/default,
 * crossTenantAccessPolicyConfigurationDefault): what a partner without its own B2B collaboration settings inherits.
 * Only B2B collaboration inbound is modelled; the rest is answered with the service defaults. Kept beside the tenant
 * (not in model.ts) so a reset, which seeds new tenants, also resets it.
 */

type AccessType = 'allowed' | 'blocked';
const inboundAccess = new WeakMap<SimTenant, AccessType>();

const Target = z.object({ target: z.string(), targetType: z.string() }).passthrough();
const TargetConfig = z.object({ accessType: z.enum(['allowed', 'blocked']), targets: z.array(Target).optional() }).passthrough();
const DefaultPatch = z
  .object({ b2bCollaborationInbound: z.object({ usersAndGroups: TargetConfig.optional(), applications: TargetConfig.optional() }).passthrough().optional() })
  .passthrough();

const allOf = (accessType: AccessType, target: string, targetType: string) => ({ accessType, targets: [{ target, targetType }] });

function defaultJson(req: GraphRequest): Record<string, unknown> {
  const access = inboundAccess.get(req.tenant) ?? 'allowed';
  return {
    '@odata.context': `${req.baseUrl}/$metadata#policies/crossTenantAccessPolicy/default/$entity`,
    isServiceDefault: !inboundAccess.has(req.tenant),
    inboundTrust: { isMfaAccepted: false, isCompliantDeviceAccepted: false, isHybridAzureADJoinedDeviceAccepted: false },
    automaticUserConsentSettings: { inboundAllowed: false, outboundAllowed: false },
    b2bCollaborationInbound: { usersAndGroups: allOf(access, 'AllUsers', 'user'), applications: allOf('allowed', 'AllApplications', 'application') },
    b2bCollaborationOutbound: { usersAndGroups: allOf('allowed', 'AllUsers', 'user'), applications: allOf('allowed', 'AllApplications', 'application') },
    b2bDirectConnectInbound: { usersAndGroups: allOf('blocked', 'AllUsers', 'user'), applications: allOf('blocked', 'AllApplications', 'application') },
    b2bDirectConnectOutbound: { usersAndGroups: allOf('blocked', 'AllUsers', 'user'), applications: allOf('blocked', 'AllApplications', 'application') },
  };
}

export const defaultPolicyRoutes: Route[] = [
  route('GET', '/policies/crossTenantAccessPolicy/default', (req) => ok(defaultJson(req))),
  route('PATCH', '/policies/crossTenantAccessPolicy/default', (req) => {
    const body = parseBody(req, DefaultPatch, false);
    const next = body.b2bCollaborationInbound?.usersAndGroups?.accessType;
    const before = inboundAccess.get(req.tenant) ?? 'allowed';
    if (next && next !== before) {
      inboundAccess.set(req.tenant, next);
      recordPolicyChange(req, {
        activity: 'Update the default cross-tenant access setting',
        targetId: req.tenant.id,
        targetName: 'default',
        modified: [
          { displayName: 'b2bCollaborationInbound', oldValue: { usersAndGroups: { accessType: before } }, newValue: { usersAndGroups: { accessType: next } } },
        ],
      });
    }
    return noContent();
  }),
];
