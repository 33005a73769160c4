import type { SyncConfiguration } from '../config';
import type { StagedDeletes } from '../domain/alerts';
import { isDeletionThreshold, type JobSnapshot } from '../domain/incidents';
import type { CtsGraph } from '../graph/gateway';
import { isStaged } from '../graph/logs';
import type { ProvisioningLogEntry } from '../graph/schemas';
import type { Logger } from '../logger';
import type { Configurations } from './configurations';

/**
 * The deletions and disables the deletion threshold held back, read from the provisioning logs: the preview on a
 * deletion alert, and the count that tells a quarantine with an unexplained reason to be the threshold's.
 */

/** Staged entries this long before a quarantine began still belong to the cycle that caused it (CTS cycles: 40 min). */
const STAGED_LOOKBACK_MS = 2 * 60 * 60 * 1000;
/** How many held-back names the card and the "Allow deletes" confirmation list (the rest is "and N more"). */
export const STAGED_DELETE_PREVIEW = 10;

export class StagedDeletions {
  /** Held-back entries per quarantine episode (`configuration|since`), read once per episode. */
  private readonly counts = new Map<string, number>();

  constructor(private readonly deps: { configs: Configurations; graph: CtsGraph; logger?: Logger }) {}

  /**
   * The deletion threshold may quarantine with a reason other than TooManyDeletes (UNVERIFIED which): a quarantine
   * neither its reason nor its error code explains is checked once for held-back entries in its newest cycle.
   */
  async addCount(config: SyncConfiguration, s: JobSnapshot): Promise<void> {
    const q = s.quarantine;
    if (!q || isDeletionThreshold(q, s.lastExecution?.errorCode)) return;
    const key = `${config.name}|${q.since ?? ''}`;
    let count = this.counts.get(key);
    if (count === undefined) {
      try {
        const ref = await this.deps.configs.jobRef(config);
        const since = q.since ? new Date(Date.parse(q.since) - STAGED_LOOKBACK_MS) : undefined;
        count = (await this.cycle(config.sourceTenantId, ref.jobId, since)).entries.length;
        this.counts.set(key, count);
      } catch (err) {
        this.deps.logger?.warn({ err, configuration: config.name }, 'could not read the staged entries of a quarantined job');
        return;
      }
    }
    if (count > 0) s.stagedInLastCycle = count;
  }

  /** The preview for a deletion alert, or undefined when the logs could not be read. */
  async preview(config: SyncConfiguration, errorMessage?: string): Promise<StagedDeletes | undefined> {
    try {
      const ref = await this.deps.configs.jobRef(config);
      const [cycle, threshold] = await Promise.all([
        this.cycle(config.sourceTenantId, ref.jobId),
        this.deps.graph.deletionThreshold(config.sourceTenantId, config.servicePrincipalId).catch(() => undefined),
      ]);
      return stagedDeletePreview(cycle.entries, {
        complete: cycle.complete,
        threshold: threshold?.enabled ? (threshold.value ?? undefined) : undefined,
        thresholdDefaulted: threshold?.defaulted,
        errorCount: countInError(errorMessage),
      });
    } catch (err) {
      this.deps.logger?.warn({ err, configuration: config.name }, 'could not read the staged deletions');
      return undefined;
    }
  }

  /** The newest cycle's held-back deletions and disables, every page of them (older gateways: one page of 500). */
  private async cycle(tenantId: string, jobId: string, since?: Date): Promise<{ entries: ProvisioningLogEntry[]; complete: boolean }> {
    const graph = this.deps.graph;
    if (graph.stagedInLatestCycle) return graph.stagedInLatestCycle(tenantId, { jobId, since });
    const entries = await graph.provisioningLogs(tenantId, { jobId, action: 'staged', top: 500, since });
    const cycle = entries[0]?.cycleId;
    const latest = cycle ? entries.filter((e) => e.cycleId === cycle) : entries;
    return { entries: latest, complete: entries.length < 500 };
  }
}

/**
 * The newest cycle's held-back deletions and disables (stagedDelete and StagedAction): the real count — from the
 * entries when they were read to the end, or the number in Graph's own error when that is larger — the threshold,
 * and up to STAGED_DELETE_PREVIEW names. `more` says the count is only a lower bound.
 */
export function stagedDeletePreview(
  entries: ProvisioningLogEntry[],
  opts: { complete?: boolean; threshold?: number; thresholdDefaulted?: boolean; errorCount?: number } = {},
): StagedDeletes {
  const staged = entries.filter(isStaged);
  const cycle = staged[0]?.cycleId;
  const latest = cycle ? staged.filter((e) => e.cycleId === cycle) : staged;
  const names = latest
    .map((e) => e.targetIdentity?.displayName || e.sourceIdentity?.displayName || e.targetIdentity?.id || 'unknown')
    .slice(0, STAGED_DELETE_PREVIEW);
  const fromError = opts.errorCount ?? 0;
  const count = Math.max(latest.length, fromError);
  const more = opts.errorCount === undefined && opts.complete === false;
  return stripUndefined({ count, more, names, threshold: opts.threshold, thresholdDefaulted: opts.thresholdDefaulted || undefined });
}

/**
 * The number of deletions in a deletion-threshold error message, e.g. "…would delete or disable 27 users, more than
 * the threshold of 20…". UNVERIFIED: Graph's wording is not documented; only a number next to users/deletions counts.
 */
export function countInError(message: string | undefined): number | undefined {
  const m = /(\d+)\s+(?:users|objects|deletions|deletes|accounts)\b/i.exec(message ?? '');
  return m ? Number(m[1]) : undefined;
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
