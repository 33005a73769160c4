import { z } from 'zod';
import { SimError } from '../engine';
import { collection, noContent, notFound, ok, parseBody, route, type GraphRequest, type Route } from '../graphHttp';
import type { PartnerPolicy } from '../model';
import { recordPolicyChange } from '../directoryAudits';

/** Cross-tenant access policy partners: consent suppression and the inbound identity sync switch. */

const BASE = '/policies/crossTenantAccessPolicy/partners';

function partnerJson(p: PartnerPolicy): Record<string, unknown> {
  return {
    tenantId: p.tenantId,
    isServiceProvider: null,
    isInMultiTenantOrganization: false,
    inboundTrust: null,
    b2bCollaborationOutbound: null,
    b2bCollaborationInbound: null,
    b2bDirectConnectOutbound: null,
    b2bDirectConnectInbound: null,
    tenantRestrictions: null,
    automaticUserConsentSettings: { ...p.automaticUserConsentSettings },
  };
}

function requirePartner(req: GraphRequest, tenantId: string): PartnerPolicy {
  const p = req.tenant.partners.get(tenantId.toLowerCase());
  if (!p) throw notFound(tenantId, false);
  return p;
}

const Guid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i)
  .transform((s) => s.toLowerCase());
const Consent = z.object({ inboundAllowed: z.boolean().nullable().optional(), outboundAllowed: z.boolean().nullable().optional() }).strict();
const PartnerPost = z.object({ tenantId: Guid, automaticUserConsentSettings: Consent.optional() }).passthrough();
const PartnerPatch = z.object({ automaticUserConsentSettings: Consent.optional() }).passthrough();
const IdentitySync = z
  .object({
    tenantId: Guid.optional(),
    displayName: z.string().optional(),
    userSyncInbound: z.object({ isSyncAllowed: z.boolean() }).optional(),
  })
  .passthrough();

function identityJson(req: GraphRequest, p: PartnerPolicy): Record<string, unknown> {
  return {
    '@odata.context': `${req.baseUrl}/$metadata#policies/crossTenantAccessPolicy/partners('${p.tenantId}')/identitySynchronization/$entity`,
    ...p.identitySynchronization!,
  };
}

export const policyRoutes: Route[] = [
  route('GET', BASE, (req) =>
    collection(req, [...req.tenant.partners.values()].map(partnerJson), {
      context: 'policies/crossTenantAccessPolicy/partners',
      filterable: ['tenantId'],
      directory: false,
    }),
  ),
  route('POST', BASE, (req) => {
    const body = parseBody(req, PartnerPost, false);
    if (req.tenant.partners.has(body.tenantId))
      throw new SimError(409, 'Request_MultipleObjectsWithSameKeyValue', `A partner policy for tenant ${body.tenantId} already exists.`);
    const p: PartnerPolicy = {
      tenantId: body.tenantId,
      automaticUserConsentSettings: {
        inboundAllowed: body.automaticUserConsentSettings?.inboundAllowed ?? null,
        outboundAllowed: body.automaticUserConsentSettings?.outboundAllowed ?? null,
      },
      identitySynchronization: null,
    };
    req.tenant.partners.set(p.tenantId, p);
    return ok({ '@odata.context': `${req.baseUrl}/$metadata#policies/crossTenantAccessPolicy/partners/$entity`, ...partnerJson(p) }, 201);
  }),
  route('GET', `${BASE}/:tid`, (req, [tid]) =>
    ok({ '@odata.context': `${req.baseUrl}/$metadata#policies/crossTenantAccessPolicy/partners/$entity`, ...partnerJson(requirePartner(req, tid)) }),
  ),
  route('PATCH', `${BASE}/:tid`, (req, [tid]) => {
    const p = requirePartner(req, tid);
    const body = parseBody(req, PartnerPatch, false);
    if (body.automaticUserConsentSettings) {
      const before = { ...p.automaticUserConsentSettings };
      Object.assign(p.automaticUserConsentSettings, body.automaticUserConsentSettings);
      recordPolicyChange(req, {
        activity: 'Update a partner cross-tenant access setting',
        targetId: p.tenantId,
        targetName: p.tenantId,
        modified: [{ displayName: 'automaticUserConsentSettings', oldValue: before, newValue: p.automaticUserConsentSettings }],
      });
    }
    return noContent();
  }),
  route('DELETE', `${BASE}/:tid`, (req, [tid]) => {
    requirePartner(req, tid);
    req.tenant.partners.delete(tid.toLowerCase());
    recordPolicyChange(req, {
      activity: 'Delete a partner cross-tenant access setting',
      targetId: tid.toLowerCase(),
      targetName: tid.toLowerCase(),
      modified: [],
    });
    return noContent();
  }),
  route('GET', `${BASE}/:tid/identitySynchronization`, (req, [tid]) => {
    const p = requirePartner(req, tid);
    if (!p.identitySynchronization) throw notFound(`${tid}/identitySynchronization`, false);
    return ok(identityJson(req, p));
  }),
  route('PUT', `${BASE}/:tid/identitySynchronization`, (req, [tid]) => {
    const p = requirePartner(req, tid);
    const body = parseBody(req, IdentitySync, false);
    if (p.identitySynchronization) {
      throw new SimError(409, 'Request_MultipleObjectsWithSameKeyValue', 'The identity synchronization policy already exists; update it with PATCH.');
    }
    p.identitySynchronization = {
      tenantId: p.tenantId,
      displayName: body.displayName ?? '',
      userSyncInbound: { isSyncAllowed: body.userSyncInbound?.isSyncAllowed ?? false },
    };
    recordPolicyChange(req, {
      activity: 'Create a partner cross-tenant identity sync setting',
      targetId: p.tenantId,
      targetName: p.identitySynchronization.displayName || p.tenantId,
      modified: [{ displayName: 'userSyncInbound', oldValue: null, newValue: p.identitySynchronization.userSyncInbound }],
    });
    return noContent();
  }),
  route('PATCH', `${BASE}/:tid/identitySynchronization`, (req, [tid]) => {
    const p = requirePartner(req, tid);
    if (!p.identitySynchronization) throw notFound(`${tid}/identitySynchronization`, false);
    const body = parseBody(req, IdentitySync, false);
    if (body.displayName !== undefined) p.identitySynchronization.displayName = body.displayName;
    if (body.userSyncInbound) {
      const before = { ...p.identitySynchronization.userSyncInbound };
      p.identitySynchronization.userSyncInbound.isSyncAllowed = body.userSyncInbound.isSyncAllowed;
      recordPolicyChange(req, {
        activity: 'Update a partner cross-tenant identity sync setting',
        targetId: p.tenantId,
        targetName: p.identitySynchronization.displayName || p.tenantId,
        modified: [{ displayName: 'userSyncInbound', oldValue: before, newValue: { ...p.identitySynchronization.userSyncInbound } }],
      });
    }
    return noContent();
  }),
];
