import type { TenantGraph } from './client';
import { GraphInputError } from './errors';
import type { WindowLimiter } from '../domain/rateLimit';
import { odataString } from './odata';
import { pageOf, ProvisioningLogEntrySchema, type ProvisioningLogEntry } from './schemas';

export type ProvisioningAction = 'create' | 'update' | 'delete' | 'disable' | 'stagedDelete' | 'other';
export type ProvisioningStatus = 'success' | 'warning' | 'failure' | 'skipped';

export interface ProvisioningLogQuery {
  jobId: string;
  /** 'staged' = held back by the deletion threshold: `stagedDelete` and the portal's `StagedAction` (disables). */
  action?: ProvisioningAction | 'staged';
  status?: ProvisioningStatus;
  /** Only entries after this instant. */
  since?: Date;
  /** How many entries at most (newest first). Default 50, max 500. */
  top?: number;
}

/** The deletions and disables the threshold held back in the newest cycle that has any. */
export interface StagedCycle {
  cycleId: string | null;
  /** Entries of that cycle read (all of them when `complete`). */
  entries: ProvisioningLogEntry[];
  /** False when the page limit stopped the read before the cycle's end: `entries.length` is then a lower bound. */
  complete: boolean;
}

/** Pages read at most for one question (each page waits under 5 requests / 10 s). */
const MAX_PAGES = 10;
const PAGE_SIZE = 200;

/** Case-insensitive: the reference page says `stageddelete`, the SDK enums `stagedDelete`, the portal `StagedAction`. */
export function isStaged(entry: ProvisioningLogEntry): boolean {
  const a = (entry.provisioningAction ?? '').toLowerCase();
  return a === 'stageddelete' || a === 'stagedaction';
}

function matches(entry: ProvisioningLogEntry, q: ProvisioningLogQuery): boolean {
  if (q.action === 'staged' && !isStaged(entry)) return false;
  if (q.action && q.action !== 'staged' && (entry.provisioningAction ?? '').toLowerCase() !== q.action.toLowerCase()) return false;
  if (q.status && (entry.provisioningStatusInfo?.status ?? '').toLowerCase() !== q.status) return false;
  return true;
}

/**
 * Provisioning logs; Entra allows 5 requests / 10 s per app per tenant, so every page waits its turn. Only `jobId`
 * and `activityDateTime` are documented as filterable (and filters are case-sensitive), so the server filters on
 * those and the action and status are filtered here.
 */
export class ProvisioningLogs {
  constructor(
    private readonly g: TenantGraph,
    private readonly limiter: WindowLimiter,
  ) {}

  async forJob(q: ProvisioningLogQuery): Promise<ProvisioningLogEntry[]> {
    const top = Math.max(1, Math.min(500, Math.floor(q.top ?? 50)));
    const filtered = !!(q.action || q.status);
    const out: ProvisioningLogEntry[] = [];
    await this.scan(q, filtered ? PAGE_SIZE : top, (page) => {
      out.push(...page.filter((e) => matches(e, q)));
      return out.length < top;
    });
    return out.slice(0, top);
  }

  /** Every staged entry of the newest cycle holding any (paged), for the real count behind a deletion-threshold alert. */
  async stagedInLatestCycle(q: { jobId: string; since?: Date }): Promise<StagedCycle> {
    let cycleId: string | null | undefined;
    const entries: ProvisioningLogEntry[] = [];
    let done = false;
    const complete = await this.scan(q, PAGE_SIZE, (page) => {
      for (const e of page) {
        if (!isStaged(e)) continue;
        if (cycleId === undefined) cycleId = e.cycleId ?? null;
        if ((e.cycleId ?? null) === cycleId) entries.push(e);
        else {
          // Newest first: a staged entry of another cycle means the newest cycle is behind us.
          done = true;
          return false;
        }
      }
      return true;
    });
    return { cycleId: cycleId ?? null, entries, complete: complete || done };
  }

  /**
   * One source user's entries for a job since `since`, newest first. UNVERIFIED: no page documents `sourceIdentity/id`
   * as filterable, so the server filters on jobId and time (documented) and the user is picked out here; the read
   * stops after `maxPages` pages, each waiting its turn under the 5 per 10 s limit.
   */
  async forUser(q: {
    jobId: string;
    userId: string;
    since: Date;
    top?: number;
    maxPages?: number;
  }): Promise<{ entries: ProvisioningLogEntry[]; complete: boolean }> {
    const top = Math.max(1, Math.min(50, Math.floor(q.top ?? 10)));
    const id = q.userId.toLowerCase();
    const entries: ProvisioningLogEntry[] = [];
    const complete = await this.scan(
      q,
      PAGE_SIZE,
      (page) => {
        entries.push(...page.filter((e) => (e.sourceIdentity?.id ?? '').toLowerCase() === id));
        return entries.length < top;
      },
      q.maxPages,
    );
    return { entries: entries.slice(0, top), complete: complete || entries.length >= top };
  }

  /** Reads pages newest first until `more` says stop; true when the logs ran out (nothing left unread). */
  private async scan(
    q: { jobId: string; since?: Date },
    pageSize: number,
    more: (page: ProvisioningLogEntry[]) => boolean,
    maxPages = MAX_PAGES,
  ): Promise<boolean> {
    const op = `read the provisioning logs of job ${q.jobId}`;
    const clauses = [`jobId eq ${odataString(q.jobId)}`];
    if (q.since) {
      if (Number.isNaN(q.since.getTime())) throw new GraphInputError(op, 'the start date is not a date');
      clauses.push(`activityDateTime gt ${q.since.toISOString()}`);
    }
    const page = pageOf(ProvisioningLogEntrySchema);
    let path = '/auditLogs/provisioning';
    let query: Record<string, string | number> | undefined = { $filter: clauses.join(' and '), $top: pageSize, $orderby: 'activityDateTime desc' };
    for (let pages = 0; pages < maxPages; pages++) {
      const answer = await this.limiter.run(() => this.g.get(path, page, op, query));
      if (!more(answer.value)) return false;
      const next = answer['@odata.nextLink'];
      if (!next) return true;
      path = this.g.relativeLink(next, op);
      query = undefined;
    }
    return false;
  }
}
