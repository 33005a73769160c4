import type { SyncConfiguration } from '../config';
import { alertView, type AlertState } from '../domain/alerts';
import type { Clock, TimerHandle } from '../domain/clock';
import type { DoctorReport } from './doctor';
import { auditSourceOf, foldDrift, withActors, type DriftActor, type DriftItem } from '../domain/drift';
import type { CheckId } from '../domain/doctor';
import { GraphError, GraphPermissionMissingError } from '../graph/errors';
import type { CtsGraph } from '../graph/gateway';
import type { DirectoryAudit } from '../graph/schemas';
import type { Logger } from '../logger';
import type { LeaderElection, Storage } from '../store';
import type { Configurations } from './configurations';
import { IncidentRecords, type IncidentRecord } from './incidentRecords';
import type { AlertRenderer } from './monitor';
import { errorText } from './operations';
import type { FlushTally, Outbox, Subject } from './outbox';
import type { Subscriptions } from './subscriptions';

/**
 * The drift watch: every `driftCheckMinutes` the leader runs the doctor's checks, folds each configuration's
 * verdicts into its durable baseline and drift alert (one CAS on `drift/<configuration>`, domain/drift.ts), asks the
 * directory audit log who changed a drifted policy, and hands the alert to the outbox like the monitor's alerts:
 * one card per incident and conversation, updated in place, resolved when every drifted check passes again.
 */

export const DEFAULT_DRIFT_CHECK_MINUTES = 60;
export const DEFAULT_SCOPE_GROWTH_ALERT_PERCENT = 20;

export interface DriftWatchDeps {
  configs: Configurations;
  graph: CtsGraph;
  doctor: { run(names?: readonly string[]): Promise<DoctorReport> };
  storage: Storage;
  subscriptions: Pick<Subscriptions, 'audience'>;
  /** The monitor's outbox: drift cards are one more subject kind of the same fan-out. */
  outbox: Outbox;
  render: AlertRenderer;
  leader: LeaderElection;
  clock: Clock;
  logger?: Logger;
  checkMinutes?: number;
  growthPercent?: number;
}

export interface DriftReport {
  skipped?: 'not-leader';
  checked: number;
  events: { configuration: string; type: 'opened' | 'changed' | 'resolved' }[];
  posted: number;
  updated: number;
  failed: number;
  gone: number;
}

/** The outbox subject of a drift incident. */
export const driftSubject = (incidentId: string): Subject => ({ kind: 'drift', id: incidentId });

export class DriftWatch {
  private timer?: TimerHandle;
  private checking?: Promise<DriftReport>;
  private stopped = true;
  readonly records: IncidentRecords;

  constructor(private readonly deps: DriftWatchDeps) {
    this.records = new IncidentRecords({ storage: deps.storage, clock: deps.clock, logger: deps.logger, prefix: 'drift' });
    deps.outbox.register('drift', async (incidentId) => {
      const record = await this.records.read(incidentId.split('@')[0]);
      if (!record?.alert || record.alert.incident.id !== incidentId) return undefined;
      return deps.render(this.view(record, record.alert));
    });
  }

  get intervalMs(): number {
    return Math.max(1, this.deps.checkMinutes ?? DEFAULT_DRIFT_CHECK_MINUTES) * 60_000;
  }

  /** Checks every interval while running; each check does nothing unless this instance leads. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      void this.checkOnce()
        .catch((err) => this.deps.logger?.error({ err }, 'drift check failed'))
        .finally(() => {
          if (!this.stopped) this.timer = this.deps.clock.setTimeout(tick, this.intervalMs);
        });
    };
    // The first check records the baseline; it waits one interval so start-up is not slowed by the doctor's reads.
    this.timer = this.deps.clock.setTimeout(tick, this.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    await this.checking?.catch(() => undefined);
  }

  /** One check of every configuration. Overlapping calls share the check in progress. */
  checkOnce(): Promise<DriftReport> {
    this.checking ??= this.check().finally(() => (this.checking = undefined));
    return this.checking;
  }

  async record(configuration: string): Promise<IncidentRecord | undefined> {
    return this.records.read(configuration);
  }

  private async check(): Promise<DriftReport> {
    const report: DriftReport = { checked: 0, events: [], posted: 0, updated: 0, failed: 0, gone: 0 };
    if (!this.deps.leader.isLeader()) return { ...report, skipped: 'not-leader' };
    const at = new Date(this.deps.clock.now()).toISOString();
    const doctor = await this.deps.doctor.run();
    const audience = await this.deps.subscriptions.audience('alerts');
    for (const diagnosis of doctor.configurations) {
      const config = this.deps.configs.find(diagnosis.config);
      if (!config) continue;
      report.checked++;
      try {
        let event: DriftReport['events'][number]['type'] | undefined;
        let record = await this.records.update(config.name, (current) => {
          const fold = foldDrift(config.name, current.driftBaseline, current.alert, {
            findings: diagnosis.findings,
            inputs: diagnosis.inputs,
            at,
            growthPercent: this.growthPercent,
          });
          event = fold.event;
          return { ...current, driftBaseline: fold.baseline, alert: fold.alert, closed: [...current.closed, ...fold.closed].slice(-20) };
        });
        if (event) report.events.push({ configuration: config.name, type: event });
        record = (await this.nameActors(config, record)) ?? record;
        const alert = record?.alert;
        if (!alert) continue;
        const targets = audience(config.name);
        const recipients = alert.status === 'open' ? targets.map((target) => ({ target, role: 'alert' })) : [];
        await this.deps.outbox.publish(driftSubject(alert.incident.id), alert.version, recipients, { withdrawOthers: alert.status === 'open' });
        const t: FlushTally = await this.deps.outbox.flush(driftSubject(alert.incident.id));
        report.posted += t.posted;
        report.updated += t.updated;
        report.failed += t.failed;
        report.gone += t.gone;
      } catch (err) {
        this.deps.logger?.error({ err, configuration: config.name }, 'drift update failed');
      }
    }
    return report;
  }

  private get growthPercent(): number {
    return this.deps.growthPercent ?? DEFAULT_SCOPE_GROWTH_ALERT_PERCENT;
  }

  /**
   * Asks the directory audit log who changed each drifted policy not looked up yet (one read per tenant and window),
   * then stores the answers (CAS). A crash before the answer is stored only means it is asked again next check.
   */
  private async nameActors(config: SyncConfiguration, record: IncidentRecord | undefined): Promise<IncidentRecord | undefined> {
    const alert = record?.alert;
    if (!alert || alert.status !== 'open' || !alert.drift) return undefined;
    const pending = alert.drift.items.filter((i) => !i.actor && !i.restoredAt && auditSourceOf(i.id as CheckId));
    if (!pending.length) return undefined;
    const reads = new Map<string, Promise<AuditRead>>();
    const actors = new Map<string, DriftActor>();
    for (const item of pending) {
      const source = auditSourceOf(item.id as CheckId)!;
      const tenantId = source.side === 'target' ? config.targetTenantId : config.sourceTenantId;
      const partnerId = source.side === 'target' ? config.sourceTenantId : config.targetTenantId;
      const readKey = `${tenantId}|${source.category}|${item.windowStart}`;
      if (!reads.has(readKey)) reads.set(readKey, this.readAudits(tenantId, source.category, item.windowStart));
      const audits = await reads.get(readKey)!;
      // A read that failed for now (not for want of permission) is asked again at the next check, not stored.
      if (!Array.isArray(audits) && audits.transient) continue;
      actors.set(item.key, actorOf(audits, item, partnerId));
    }
    if (!actors.size) return undefined;
    const incidentId = alert.incident.id;
    const stored: IncidentRecord | undefined = await this.records.update(config.name, (current) => {
      const next = current.alert && withActors(current.alert, incidentId, actors);
      return next ? { ...current, alert: next } : 'abort';
    });
    return stored;
  }

  private async readAudits(tenantId: string, category: string, since: string): Promise<AuditRead> {
    const tenant = this.deps.configs.tenantName(tenantId);
    if (!this.deps.graph.directoryAudits) return { failed: 'this build cannot read the directory audit log' };
    try {
      return await this.deps.graph.directoryAudits(tenantId, { category, since: new Date(since) });
    } catch (err) {
      if ((err instanceof GraphError && err.status === 403) || err instanceof GraphPermissionMissingError)
        return { failed: `needs AuditLog.Read.All in ${tenant}` };
      this.deps.logger?.warn({ err, tenantId }, 'directory audit log unreadable');
      return { failed: `the directory audit log of ${tenant} could not be read: ${errorText(err)}`, transient: true };
    }
  }

  view(record: IncidentRecord, alert: AlertState = record.alert!) {
    const config = this.deps.configs.find(record.configuration);
    return alertView(alert, {
      configuration: config?.name ?? record.configuration,
      sourceTenant: config ? this.deps.configs.tenantName(config.sourceTenantId) : 'unknown',
      targetTenant: config ? this.deps.configs.tenantName(config.targetTenantId) : 'unknown',
    });
  }
}

/**
 * The newest audit record about the partner's policy. UNVERIFIED: that Entra names the partner tenant id as the
 * target resource of a partner policy change; when no record does, the newest policy change in the window is taken.
 */
/** The audit records of a window, or why they could not be read (`transient`: try again at the next check). */
type AuditRead = DirectoryAudit[] | { failed: string; transient?: boolean };

function actorOf(audits: AuditRead, item: DriftItem, partnerId: string): DriftActor {
  if (!Array.isArray(audits)) return { known: false, reason: audits.failed };
  const from = Date.parse(item.windowStart);
  const inWindow = audits.filter((a) => Date.parse(a.activityDateTime) >= from && (a.result ?? 'success') === 'success');
  const newestFirst = [...inWindow].sort((a, b) => Date.parse(b.activityDateTime) - Date.parse(a.activityDateTime));
  const about = newestFirst.find((a) => (a.targetResources ?? []).some((r) => r.id?.toLowerCase() === partnerId.toLowerCase())) ?? newestFirst[0];
  if (!about) return { known: false, reason: `the directory audit log names no policy change since ${item.windowStart}` };
  const user = about.initiatedBy?.user;
  const app = about.initiatedBy?.app;
  const display = user?.displayName ?? '';
  const upn = user?.userPrincipalName ?? '';
  const name =
    display && upn ? `${display} (${upn})` : display || upn || (app?.displayName ? `the app ${app.displayName}` : 'someone the audit log does not name');
  return { known: true, name, at: about.activityDateTime, ...(about.activityDisplayName ? { activity: about.activityDisplayName } : {}) };
}
