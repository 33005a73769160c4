import type { SyncConfiguration } from '../config';
import { alertView, foldAlert, type AlertState, type AlertView } from '../domain/alerts';
import type { Clock, TimerHandle } from '../domain/clock';
import { detect, type IncidentEvent, type IncidentKind, type JobObservation } from '../domain/incidents';
import type { CtsGraph } from '../graph/gateway';
import type { Logger } from '../logger';
import type { LeaderElection, Storage } from '../store';
import { AlertActions } from './alertActions';
import { AllowDeletes } from './allowDeletes';
import type { Configurations, JobRead } from './configurations';
import { IncidentRecords, type IncidentRecord } from './incidentRecords';
import { readError, snapshotOf } from './jobSnapshots';
import { Outbox, type FlushTally, type Subject } from './outbox';
import type { CardSender, ConversationRef, OutgoingCard } from './ports';
import { StagedDeletions } from './stagedDeletions';
import type { Subscriptions } from './subscriptions';

/**
 * The monitor: every pollIntervalSeconds it reads every configuration's job (one $batch per source tenant), asks the
 * pure detector what changed, folds that into one incident record per job (CAS; domain/alerts.ts) and hands the alert
 * to the outbox, which posts or updates its card in every conversation subscribed to alerts for that configuration.
 */

export const DEFAULT_ENTRY_ERROR_THRESHOLD = 25;

export type AlertRenderer = (view: AlertView) => OutgoingCard;

export interface MonitorDeps {
  configs: Configurations;
  graph: CtsGraph;
  storage: Storage;
  subscriptions: Subscriptions;
  notifier: CardSender;
  render: AlertRenderer;
  leader: LeaderElection;
  clock: Clock;
  /** The fan-out shared with approvals; one over `storage` and `notifier` is made when absent. */
  outbox?: Outbox;
  logger?: Logger;
  pollIntervalSeconds?: number;
  entryErrorThreshold?: number;
  /** Wraps every poll (traces, the poll-duration metric, the health report's last poll). */
  observePoll?: (poll: () => Promise<PollReport>) => Promise<PollReport>;
}

export interface PollReport {
  skipped?: 'not-leader' | 'already-polling';
  observed: number;
  readErrors: number;
  events: { configuration: string; type: IncidentEvent['type']; kind: IncidentKind }[];
  posted: number;
  updated: number;
  failed: number;
  gone: number;
}

/** One read of every configuration's job, and when it began (ms since the epoch). */
export interface JobsReading {
  readAt: number;
  reads: JobRead[];
}

/** The outbox subject of an alert: one per incident, so a new incident posts new cards. */
export const alertSubject = (incidentId: string): Subject => ({ kind: 'alert', id: incidentId });

export class Monitor {
  private timer?: TimerHandle;
  private polling?: Promise<PollReport>;
  private stopped = true;
  private latest?: JobsReading;
  readonly records: IncidentRecords;
  readonly outbox: Outbox;
  readonly allowDeletes: AllowDeletes;
  /** What the alert card's buttons ask (find, acknowledge, record an action, show failures). */
  readonly actions: AlertActions;
  private readonly staged: StagedDeletions;

  constructor(private readonly deps: MonitorDeps) {
    const { storage, clock, logger, configs, graph, subscriptions } = deps;
    this.records = new IncidentRecords({ storage, clock, logger });
    this.staged = new StagedDeletions({ configs, graph, logger });
    this.outbox = deps.outbox ?? new Outbox({ storage, sender: deps.notifier, logger, onGone: (key, reason) => subscriptions.deactivate(key, reason) });
    this.outbox.register('alert', async (incidentId) => this.renderCurrent(incidentId));
    const changed = (c: string) => this.deliverSoon(c);
    this.allowDeletes = new AllowDeletes({ configs, graph, records: this.records, clock, logger, changed });
    this.actions = new AlertActions({ configs, graph, records: this.records, clock, changed });
  }

  /** Incident records moved aside because they could not be read. */
  get quarantined(): number {
    return this.records.quarantined;
  }

  /**
   * Every job as the latest poll read it, stamped with when the read began (so its age is never understated), or
   * undefined before the first poll. `status` answers from it instead of reading Graph again.
   */
  latestJobs(): JobsReading | undefined {
    return this.latest;
  }

  get intervalMs(): number {
    return Math.max(10, this.deps.pollIntervalSeconds ?? 60) * 1000;
  }

  /** Polls every interval while running; each tick does nothing unless this instance leads. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      const began = this.deps.clock.now();
      void this.pollOnce()
        .catch((err) => this.deps.logger?.error({ err }, 'monitor poll failed'))
        .finally(() => {
          // Polls start one interval apart (not one interval after the last ended): a slow poll of a large estate
          // must not stretch the time an admin waits for an alert beyond the interval plus one poll.
          const wait = Math.max(0, this.intervalMs - (this.deps.clock.now() - began));
          if (!this.stopped) this.timer = this.deps.clock.setTimeout(tick, wait);
        });
    };
    this.timer = this.deps.clock.setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    await this.polling?.catch(() => undefined);
  }

  /** One poll: read, detect, store, deliver. Overlapping calls share the poll in progress. */
  pollOnce(): Promise<PollReport> {
    if (this.polling) return this.polling;
    this.polling = (this.deps.observePoll ? this.deps.observePoll(() => this.poll()) : this.poll()).finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async poll(): Promise<PollReport> {
    const report: PollReport = { observed: 0, readErrors: 0, events: [], posted: 0, updated: 0, failed: 0, gone: 0 };
    if (!this.deps.leader.isLeader()) return { ...report, skipped: 'not-leader' };
    const observations = await this.observeAll();
    // Who subscribed, read once per poll rather than once per configuration.
    const audience = await this.deps.subscriptions.audience('alerts');
    // Which jobs have an incident record, listed once: only the leader creates records (in this loop), so a job not
    // listed has none, and a healthy one is not read at all.
    const existing = await this.records.existing().catch((err) => {
      this.deps.logger?.warn({ err }, 'could not list incident records; reading each');
      return undefined;
    });
    /** The alert each processed configuration now has (undefined: none), so delivery need not read the record again. */
    const alerts = new Map<string, AlertState | undefined>();
    for (const { config, observation, troubleshootingUrl } of observations) {
      report.observed++;
      if ('error' in observation) report.readErrors++;
      try {
        const mayExist = !existing || existing.has(config.name.toLowerCase());
        const { events, alert } = await this.process(config, observation, audience(config.name), troubleshootingUrl, mayExist);
        alerts.set(config.name, alert);
        for (const e of events) report.events.push({ configuration: config.name, type: e.type, kind: e.incident.kind });
      } catch (err) {
        this.deps.logger?.error({ err, configuration: config.name }, 'incident update failed');
      }
    }
    // Deliver for every configuration with an alert: this also retries sends left pending by an earlier poll.
    const tallies = await Promise.all(
      this.deps.configs.all.map((c) => {
        const known = alerts.has(c.name);
        const alert = alerts.get(c.name);
        const delivery = known ? (alert ? this.outbox.flush(alertSubject(alert.incident.id)) : Promise.resolve(undefined)) : this.deliver(c.name);
        return delivery.catch((err) => {
          this.deps.logger?.error({ err, configuration: c.name }, 'alert delivery failed');
          return undefined;
        });
      }),
    );
    for (const t of tallies) {
      if (!t) continue;
      report.posted += t.posted;
      report.updated += t.updated;
      report.failed += t.failed;
      report.gone += t.gone;
    }
    return report;
  }

  /** Every configuration's job, one $batch per source tenant; a failure becomes that job's JobReadError. */
  async observeAll(): Promise<{ config: SyncConfiguration; observation: JobObservation; troubleshootingUrl?: string }[]> {
    const readAt = this.deps.clock.now();
    const observedAt = new Date(readAt).toISOString();
    const reads = await this.deps.configs.readAllJobs();
    this.latest = { readAt, reads };
    const out = reads.map((r) =>
      'job' in r
        ? { config: r.config, observation: snapshotOf(r.config.name, r.job, observedAt), troubleshootingUrl: r.job.status.troubleshootingUrl || undefined }
        : { config: r.config, observation: readError(r.config.name, observedAt, r.error) },
    );
    for (const o of out) if (!('error' in o.observation)) await this.staged.addCount(o.config, o.observation);
    return out;
  }

  /**
   * Runs the detector for one job, folds its events into the stored record and tells the outbox who should see it.
   * `mayExist` false: the job has no record (see poll), so the detector runs on a fresh one and the store is only
   * touched when something changed (then by the usual CAS, which creates the record only if it is still absent).
   */
  private async process(
    config: SyncConfiguration,
    observation: JobObservation,
    targets: ConversationRef[],
    troubleshootingUrl: string | undefined,
    mayExist: boolean,
  ): Promise<{ events: IncidentEvent[]; alert?: AlertState }> {
    let events: IncidentEvent[] = [];
    const fold = (current: IncidentRecord): IncidentRecord | 'abort' => {
      const { state, events: evs } = detect(current.state, observation, {
        entryErrorThreshold: this.deps.entryErrorThreshold ?? DEFAULT_ENTRY_ERROR_THRESHOLD,
      });
      events = evs;
      const folded = foldAlert(current.alert, evs, observation, troubleshootingUrl);
      const silentChange = JSON.stringify(state.open ?? null) !== JSON.stringify(current.state.open ?? null);
      if (!folded.changed && !silentChange) return 'abort';
      return { ...current, state, alert: folded.alert, closed: [...current.closed, ...folded.closed].slice(-20) };
    };
    if (!mayExist && fold(IncidentRecords.fresh(config.name)) === 'abort') return { events: [] };
    // The CAS hands back the record it decided on even when nothing changed: no second read.
    const record = await this.records.update(config.name, fold);
    let alert = record?.alert;
    if (alert?.status === 'open' && alert.incident.kind === 'deletionThreshold' && !alert.stagedDeletes) {
      const preview = await this.staged.preview(config, alert.incident.errorMessage);
      const incidentId = alert.incident.id;
      if (preview) {
        const updated = await this.records.update(config.name, (current) => {
          if (!current.alert || current.alert.incident.id !== incidentId) return 'abort';
          return { ...current, alert: { ...current.alert, stagedDeletes: preview, version: current.alert.version + 1 } };
        });
        alert = updated?.alert ?? alert;
      }
    }
    // Conversations that subscribed while the incident is open get the card too; a resolved alert only updates.
    if (alert) {
      const recipients = alert.status === 'open' ? targets.map((target) => ({ target, role: 'alert' })) : [];
      await this.outbox.publish(alertSubject(alert.incident.id), alert.version, recipients, { withdrawOthers: alert.status === 'open' });
    }
    return { events, alert };
  }

  async record(configuration: string): Promise<IncidentRecord | undefined> {
    return this.records.read(configuration);
  }

  /** Sends what each conversation has not seen yet of this configuration's alert (see Outbox.flush). */
  async deliver(configuration: string): Promise<FlushTally> {
    const alert = (await this.records.read(configuration))?.alert;
    return alert ? this.outbox.flush(alertSubject(alert.incident.id)) : { posted: 0, updated: 0, failed: 0, gone: 0 };
  }

  /** After a click changed the record: every copy is due; sent now when leading, else by the leader's next poll. */
  deliverSoon(configuration: string): void {
    void (async () => {
      const alert = (await this.records.read(configuration))?.alert;
      if (!alert) return;
      await this.outbox.changed(alertSubject(alert.incident.id), alert.version);
      if (this.deps.leader.isLeader()) await this.outbox.flush(alertSubject(alert.incident.id));
    })().catch((err) => this.deps.logger?.error({ err, configuration }, 'alert delivery failed'));
  }

  /** The card of an incident as it stands now; none for an incident that is no longer the job's alert. */
  private async renderCurrent(incidentId: string): Promise<OutgoingCard | undefined> {
    const record = await this.records.read(incidentId.split('@')[0]);
    if (!record?.alert || record.alert.incident.id !== incidentId) return undefined;
    return this.deps.render(this.view(record, record.alert));
  }

  view(record: IncidentRecord, alert: AlertState = record.alert!): AlertView {
    const config = this.deps.configs.find(record.configuration);
    return alertView(alert, {
      configuration: config?.name ?? record.configuration,
      sourceTenant: config ? this.deps.configs.tenantName(config.sourceTenantId) : 'unknown',
      targetTenant: config ? this.deps.configs.tenantName(config.targetTenantId) : 'unknown',
    });
  }
}
