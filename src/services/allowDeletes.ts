import { randomBytes } from 'node:crypto';
import type { SyncConfiguration } from '../config';
import type { IncidentRecord, IncidentServiceDeps } from './incidentRecords';
import type { Actor } from './operations';

/**
 * THE "Allow deletes" of a deletion alert: claimed by CAS on the incident record before ForceDeletes is sent, then
 * the job read back, and the outcome shown on every copy of the alert.
 */
export class AllowDeletes {
  constructor(private readonly deps: IncidentServiceDeps) {}

  /**
   * The confirmation must name the incident that is open now, that incident must still hold deletions, nobody may
   * have allowed them already, and the count the admin saw must still be the count. Only the click that gets
   * `ok: true` may send anything.
   */
  async claim(
    incidentId: string,
    seen: { version: number; count?: number },
    by: Actor,
  ): Promise<{ ok: true; config: SyncConfiguration } | { ok: false; reason: string }> {
    const configuration = incidentId.split('@')[0];
    const config = this.deps.configs.find(configuration);
    if (!config) return { ok: false, reason: `There is no configuration ${configuration} any more.` };
    const at = new Date(this.deps.clock.now()).toISOString();
    const claim = randomBytes(8).toString('hex');
    let refusal = 'I have no record of this alert.';
    const record = await this.deps.records.update(config.name, (current) => {
      const alert = current.alert;
      if (!alert) return 'abort';
      if (alert.incident.id !== incidentId) {
        refusal =
          current.closed.includes(incidentId) || alert.status === 'open'
            ? `This confirmation belongs to an earlier deletion alert (${incidentId}), which is closed. A newer alert is open for ${config.name}: review its held-back deletions on that card.`
            : refusal;
        return 'abort';
      }
      if (alert.status !== 'open' || alert.incident.kind !== 'deletionThreshold') {
        refusal = 'This alert is no longer holding deletions back, so there is nothing to allow.';
        return 'abort';
      }
      if (alert.allowDeletes) {
        refusal = `${alert.allowDeletes.by.name} already allowed these deletions at ${alert.allowDeletes.at.slice(0, 16).replace('T', ' ')} UTC; nothing more was sent.`;
        return 'abort';
      }
      const count = alert.stagedDeletes?.count;
      if (seen.count !== undefined && count !== undefined && count !== seen.count) {
        refusal = `The number of held-back deletions changed from ${seen.count} to ${count} since this confirmation was made (alert version ${seen.version}, now ${alert.version}). Review the alert again.`;
        return 'abort';
      }
      return { ...current, alert: { ...alert, allowDeletes: { claim, by, at, ...(count !== undefined ? { count } : {}) }, version: alert.version + 1 } };
    });
    if (record?.alert?.allowDeletes?.claim !== claim) return { ok: false, reason: refusal };
    this.deps.changed(config.name);
    return { ok: true, config };
  }

  /** The job right after ForceDeletes: whether Graph really released it (the effect of ForceDeletes is UNVERIFIED). */
  async jobAfter(config: SyncConfiguration): Promise<{ code: string; quarantined: boolean; reason?: string } | undefined> {
    try {
      const job = await this.deps.graph.getJob(await this.deps.configs.jobRef(config));
      const quarantined = job.status.code === 'Quarantine' || !!job.status.quarantine;
      const reason = job.status.quarantine?.reason ?? undefined;
      return { code: job.status.code, quarantined, ...(reason !== undefined ? { reason } : {}) };
    } catch (err) {
      this.deps.logger?.warn({ err, configuration: config.name }, 'could not read the job back after ForceDeletes');
      return undefined;
    }
  }

  /** What ForceDeletes did, read back from the job: shown on every copy of the alert. */
  async finish(incidentId: string, outcome: { ok: boolean; message: string; stillQuarantined?: boolean }): Promise<IncidentRecord | undefined> {
    const configuration = incidentId.split('@')[0];
    const clean = Object.fromEntries(Object.entries(outcome).filter(([, v]) => v !== undefined)) as typeof outcome;
    const record = await this.deps.records.update(configuration, (current) => {
      if (!current.alert || current.alert.incident.id !== incidentId || !current.alert.allowDeletes) return 'abort';
      return { ...current, alert: { ...current.alert, allowDeletes: { ...current.alert.allowDeletes, outcome: clean }, version: current.alert.version + 1 } };
    });
    this.deps.changed(configuration);
    return record;
  }
}
