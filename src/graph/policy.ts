import type { BatchGetResult, JobBatchReader } from './batch';
import type { TenantGraph } from './client';
import { GraphError, GraphResponseInvalidError, orNull } from './errors';
import { guidSegment } from './odata';
import {
  DefaultAccessPolicySchema,
  PartnerIdentitySyncSchema,
  PartnerPolicySchema,
  type DefaultAccessPolicy,
  type PartnerIdentitySync,
  type PartnerPolicy,
} from './schemas';

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

  /**
   * The three reads the doctor makes of one partner's policy in this tenant — the partner entry, its identity sync
   * policy and the default settings it may inherit — in one $batch. A 404 of the first two is null (not set).
   */
  async partnerReads(batch: JobBatchReader, partnerTenantId: string): Promise<PolicyReads> {
    const op = `read the cross-tenant access policy for tenant ${partnerTenantId}`;
    const base = `/policies/crossTenantAccessPolicy/partners/${guidSegment(partnerTenantId, 'tenant id', op)}`;
    const answers = await batch.getMany<unknown>(
      [
        { key: 'partner', path: base, schema: PartnerPolicySchema, operation: op },
        {
          key: 'identitySync',
          path: `${base}/identitySynchronization`,
          schema: PartnerIdentitySyncSchema,
          operation: `read the inbound sync policy for tenant ${partnerTenantId}`,
        },
        {
          key: 'defaults',
          path: '/policies/crossTenantAccessPolicy/default',
          schema: DefaultAccessPolicySchema,
          operation: 'read the default cross-tenant access settings',
        },
      ],
      op,
    );
    const nullWhenAbsent = <T>(r: BatchGetResult<unknown> | undefined): BatchGetResult<T | null> =>
      !r
        ? { ok: false, error: new GraphResponseInvalidError(op, '$batch answered without this item') }
        : !r.ok && r.error instanceof GraphError && r.error.isNotFound
          ? { ok: true, value: null }
          : (r as BatchGetResult<T>);
    const defaults = answers.get('defaults') as BatchGetResult<DefaultAccessPolicy> | undefined;
    return {
      partner: nullWhenAbsent<PartnerPolicy>(answers.get('partner')),
      identitySync: nullWhenAbsent<PartnerIdentitySync>(answers.get('identitySync')),
      defaults: defaults ?? { ok: false, error: new GraphResponseInvalidError(op, '$batch answered without this item') },
    };
  }

  async isSyncAllowed(partnerTenantId: string): Promise<boolean> {
    return (await this.identitySynchronization(partnerTenantId))?.userSyncInbound?.isSyncAllowed === true;
  }
}

export interface PolicyReads {
  partner: BatchGetResult<PartnerPolicy | null>;
  identitySync: BatchGetResult<PartnerIdentitySync | null>;
  defaults: BatchGetResult<DefaultAccessPolicy>;
}
