import type { TenantGraph } from './client';
import { GraphInputError } from './errors';
import type { WindowLimiter } from './limiter';
import { odataString } from './odata';
import { pageOf, ProvisioningLogEntrySchema, type ProvisioningLogEntry } from './schemas';

export type ProvisioningAction = 'create' | 'update' | 'delete' | 'disable' | 'stagedDelete' | 'other';
export type ProvisioningStatus = 'success' | 'warning' | 'failure' | 'skipped';

export interface ProvisioningLogQuery {
  jobId: string;
  action?: ProvisioningAction;
  status?: ProvisioningStatus;
  /** Only entries after this instant. */
  since?: Date;
  /** How many entries at most (newest first). Default 50, max 500. */
  top?: number;
}

/** Provisioning logs; Entra allows 5 requests / 10 s per app per tenant, so every page waits its turn. */
export class ProvisioningLogs {
  constructor(
    private readonly g: TenantGraph,
    private readonly limiter: WindowLimiter,
  ) {}

  async forJob(q: ProvisioningLogQuery): Promise<ProvisioningLogEntry[]> {
    const op = `read the provisioning logs of job ${q.jobId}`;
    const top = Math.max(1, Math.min(500, Math.floor(q.top ?? 50)));
    const clauses = [`jobId eq ${odataString(q.jobId)}`];
    if (q.action) clauses.push(`provisioningAction eq ${odataString(q.action)}`);
    if (q.status) clauses.push(`provisioningStatusInfo/status eq ${odataString(q.status)}`);
    if (q.since) {
      if (Number.isNaN(q.since.getTime())) throw new GraphInputError(op, 'the start date is not a date');
      clauses.push(`activityDateTime gt ${q.since.toISOString()}`);
    }
    const page = pageOf(ProvisioningLogEntrySchema);
    const out: ProvisioningLogEntry[] = [];
    let path = '/auditLogs/provisioning';
    let query: Record<string, string | number> | undefined = { $filter: clauses.join(' and '), $top: top, $orderby: 'activityDateTime desc' };
    for (let pages = 0; out.length < top && pages < 20; pages++) {
      const answer = await this.limiter.run(() => this.g.get(path, page, op, query));
      out.push(...answer.value);
      const next = answer['@odata.nextLink'];
      if (!next) break;
      path = this.g.relativeLink(next, op);
      query = undefined;
    }
    return out.slice(0, top);
  }
}
