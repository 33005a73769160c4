import type { SyncConfiguration } from '../config';
import type { AlertState } from '../domain/alerts';
import type { ProvisioningLogEntry } from '../graph/schemas';
import type { IncidentRecord, IncidentServiceDeps } from './incidentRecords';
import { describeAction, type ActionOutcome, type Actor, type JobAction } from './operations';

export type IncidentLookup =
  { found: true; config: SyncConfiguration; record: IncidentRecord; alert: AlertState; current: boolean } | { found: false; reason: string };

/** What alert card buttons ask of an incident (other than Allow deletes: see allowDeletes.ts). */
export class AlertActions {
  constructor(private readonly deps: IncidentServiceDeps) {}

  async findIncident(incidentId: string): Promise<IncidentLookup> {
    const configuration = incidentId.split('@')[0];
    const config = this.deps.configs.find(configuration);
    if (!config) return { found: false, reason: `There is no configuration ${configuration} any more.` };
    const record = await this.deps.records.read(config.name);
    if (!record?.alert) return { found: false, reason: 'I have no record of this alert.' };
    if (record.alert.incident.id === incidentId) return { found: true, config, record, alert: record.alert, current: true };
    if (record.closed.includes(incidentId)) return { found: false, reason: 'This alert is closed; a newer one may be open for the same job.' };
    return { found: false, reason: 'I have no record of this alert.' };
  }

  /** A person looked at it and decided (e.g. keep the deletions blocked): every copy of the card says so. */
  async acknowledge(incidentId: string, by: Actor, note: string): Promise<IncidentRecord | undefined> {
    const configuration = incidentId.split('@')[0];
    const at = new Date(this.deps.clock.now()).toISOString();
    const record = await this.deps.records.update(configuration, (current) => {
      if (!current.alert || current.alert.incident.id !== incidentId || current.alert.status !== 'open') return 'abort';
      return { ...current, alert: { ...current.alert, acknowledged: { by, at, note }, version: current.alert.version + 1 } };
    });
    this.deps.changed(configuration);
    return record;
  }

  /** OperationsService.onExecuted: an action ran on a job with an open alert → "action taken by X" on every copy. */
  async recordAction(config: SyncConfiguration, action: JobAction, actor: Actor, outcome: ActionOutcome): Promise<void> {
    const at = new Date(this.deps.clock.now()).toISOString();
    let changed = false;
    await this.deps.records.update(config.name, (current) => {
      if (!current.alert || current.alert.status !== 'open') return 'abort';
      changed = true;
      return {
        ...current,
        alert: {
          ...current.alert,
          actionTaken: { by: actor, at, action: describeAction(action), ok: outcome.ok, message: outcome.message },
          version: current.alert.version + 1,
        },
      };
    });
    if (changed) this.deps.changed(config.name);
  }

  /** The latest failed provisioning log entries of the job (for "Show failures"). */
  async failures(config: SyncConfiguration, top = 5): Promise<ProvisioningLogEntry[]> {
    const ref = await this.deps.configs.jobRef(config);
    return this.deps.graph.provisioningLogs(config.sourceTenantId, { jobId: ref.jobId, status: 'failure', top });
  }
}
