import type { TenantGraph } from './client';
import { orNull } from './errors';
import { guidSegment } from './odata';
import { DefaultAccessPolicySchema, PartnerIdentitySyncSchema, PartnerPolicySchema, type DefaultAccessPolicy, type PartnerIdentitySync, type PartnerPolicy } from './schemas';

/** Cross-tenant access policy for one partner tenant (read only: the bot does not change policy). */
export class PartnerPolicies {
  constructor(private readonly g: TenantGraph) {}

  /** Null when no partner entry exists for that tenant. */
  async partner(partnerTenantId: string): Promise<PartnerPolicy | null> {
    const op = `read the cross-tenant access policy for tenant ${partnerTenantId}`;
    const path = `/policies/crossTenantAccessPolicy/partners/${guidSegment(partnerTenantId, 'tenant id', op)}`;
    return orNull(this.g.get(path, PartnerPolicySchema, op));
  }

  /** Null when the partner has no identitySynchronization policy (inbound sync was never allowed). */
  async identitySynchronization(partnerTenantId: string): Promise<PartnerIdentitySync | null> {
    const op = `read the inbound sync policy for tenant ${partnerTenantId}`;
    const path = `/policies/crossTenantAccessPolicy/partners/${guidSegment(partnerTenantId, 'tenant id', op)}/identitySynchronization`;
    return orNull(this.g.get(path, PartnerIdentitySyncSchema, op));
  }

  /** The tenant's default cross-tenant access settings: what a partner without its own settings inherits. */
  async defaults(): Promise<DefaultAccessPolicy> {
    return this.g.get('/policies/crossTenantAccessPolicy/default', DefaultAccessPolicySchema, 'read the default cross-tenant access settings');
  }

  async isSyncAllowed(partnerTenantId: string): Promise<boolean> {
    return (await this.identitySynchronization(partnerTenantId))?.userSyncInbound?.isSyncAllowed === true;
  }
}

