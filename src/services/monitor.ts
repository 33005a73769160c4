import { randomBytes } from 'node:crypto';
import type { Storage } from '../store';
import { z } from 'zod';
import type { SyncConfiguration } from '../config';
import type { Clock } from '../domain/clock';
import {
  describeIncident,
  detect,
  isDeletionThreshold,
  type Incident,
  type IncidentAction,
  type IncidentEvent,
  type IncidentKind,
  type IncidentState,
  type JobObservation,
  type JobReadError,
  type JobSnapshot,
} from '../domain/incidents';
import { GraphError } from '../graph/errors';
import type { CtsGraph } from '../graph/gateway';
import { isStaged } from '../graph/logs';
import type { ProvisioningLogEntry, SyncJob } from '../graph/schemas';
import type { Logger } from '../logger';
import { canMoveItems, createIfAbsent, updateWithCas, type LeaderElection } from '../store';
import type { Configurations, JobRead } from './configurations';
import type { ConversationTarget, Notifier, OutgoingCard, SendResult } from './ports';
import { describeAction, errorText, type ActionOutcome, type Actor, type JobAction } from './operations';
import type { Subscriptions } from './subscriptions';

/**
 * The monitor: every pollIntervalSeconds it reads every configuration's job (one $batch per source tenant), asks the
 * pure detector what changed, keeps one incident record per job (CAS) and posts or updates the alert card in every
 * conversation subscribed to alerts for that configuration. The record remembers, per conversation, the activity id
 * of the card it posted and the version it last delivered, so a change UPDATES the same card, a repeated poll sends
 * nothing, a transient failure stays pending for the next poll, and another instance taking over never re-posts.
 */

export const DEFAULT_ENTRY_ERROR_THRESHOLD = 25;
/** Staged entries this long before a quarantine began still belong to the cycle that caused it (CTS cycles: 40 min). */
const STAGED_LOOKBACK_MS = 2 * 60 * 60 * 1000;
/** How many held-back names the card and the "Allow deletes" confirmation list (the rest is "and N more"). */
export const STAGED_DELETE_PREVIEW = 10;
/** Failed deliveries that are not transient (400, 413) are not retried forever. */
const MAX_DELIVERY_ATTEMPTS = 20;

const DeliverySchema = z.object({
  activityId: z.string().optional(),
  /** The alert version last shown in this conversation; 0 = never posted. */
  version: z.number().int().min(0),
  state: z.enum(['pending', 'delivered', 'gone', 'failed']),
  attempts: z.number().int().min(0),
  lastError: z.string().optional(),
});
export type Delivery = z.infer<typeof DeliverySchema>;

const ActorSchema = z.object({ aadObjectId: z.string(), name: z.string() });

const AlertSchema = z.object({
  incident: z.custom<Incident>((v) => !!v && typeof v === 'object' && typeof (v as Incident).id === 'string' && typeof (v as Incident).kind === 'string'),
  status: z.enum(['open', 'resolved']),
  resolvedAt: z.string().optional(),
  durationMs: z.number().optional(),
  lastChange: z.string().optional(),
  troubleshootingUrl: z.string().optional(),
  stagedDeletes: z
    .object({
      count: z.number(),
      /** True when `count` is a lower bound (the logs were not read to the end and the error gave no number). */
      more: z.boolean(),
      names: z.array(z.string()),
      threshold: z.number().optional(),
      /** The threshold is on without a value: the portal's default applies. */
      thresholdDefaulted: z.boolean().optional(),
    })
    .optional(),
  /** The one "Allow deletes" for this incident: claimed by CAS before ForceDeletes is sent, then its read-back. */
  allowDeletes: z
    .object({
      /** Random per claim: tells the winning click from a later one by the same person in the same second. */
      claim: z.string(),
      by: ActorSchema,
      at: z.string(),
      count: z.number().optional(),
      outcome: z.object({ ok: z.boolean(), message: z.string(), stillQuarantined: z.boolean().optional() }).optional(),
    })
    .optional(),
  acknowledged: z.object({ by: ActorSchema, at: z.string(), note: z.string() }).optional(),
  actionTaken: z.object({ by: ActorSchema, at: z.string(), action: z.string(), ok: z.boolean(), message: z.string(), stillOpenAt: z.string().optional() }).optional(),
  version: z.number().int().min(1),
  deliveries: z.record(DeliverySchema),
});
export type AlertState = z.infer<typeof AlertSchema>;

const RecordSchema = z.object({
  schemaVersion: z.literal(1),
  configuration: z.string(),
  state: z.custom<IncidentState>((v) => !!v && typeof v === 'object' && typeof (v as IncidentState).configuration === 'string'),
  alert: AlertSchema.optional(),
  /** Ids of earlier incidents of this job, newest last: a click on an old card is answered, not obeyed. */
  closed: z.array(z.string()),
});
export type IncidentRecord = z.infer<typeof RecordSchema>;

export const incidentKey = (configuration: string) => `incidents/${configuration.toLowerCase()}`;

/** Everything an alert card shows, in words; the Teams layer turns it into a card. */
export interface AlertView {
  incidentId: string;
  configuration: string;
  sourceTenant: string;
  targetTenant: string;
  kind: IncidentKind;
  title: string;
  explanation: string;
  whatToDo: string;
  errorCode?: string;
  errorMessage?: string;
  openedAt: string;
  nextAttempt?: string;
  seriesCount?: number;
  troubleshootingUrl?: string;
  status: 'open' | 'resolved';
  resolvedAt?: string;
  durationMinutes?: number;
  lastChange?: string;
  stagedDeletes?: { count: number; more: boolean; names: string[]; threshold?: number; thresholdDefaulted?: boolean };
  /** Who allowed the deletions and what the job showed afterwards. */
  allowDeletes?: { by: string; at: string; count?: number; outcome?: { ok: boolean; message: string; stillQuarantined?: boolean } };
  acknowledged?: { by: string; at: string; note: string };
  /** `stillOpenAt`: a poll after the action still saw the incident, so the action did not resolve it. */
  actionTaken?: { by: string; at: string; action: string; ok: boolean; message: string; stillOpenAt?: string };
  /** Buttons to offer (none once resolved). */
  actions: IncidentAction[];
  version: number;
}

export type AlertRenderer = (view: AlertView) => OutgoingCard;

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface MonitorDeps {
  configs: Configurations;
  graph: CtsGraph;
  storage: Storage;
  subscriptions: Subscriptions;
  notifier: Notifier;
  render: AlertRenderer;
  leader: LeaderElection;
  clock: Clock;
  logger?: Logger;
  timers?: Timers;
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

export type IncidentLookup =
  | { found: true; config: SyncConfiguration; record: IncidentRecord; alert: AlertState; current: boolean }
  | { found: false; reason: string };

interface DeliveryTally {
  posted: number;
  updated: number;
  failed: number;
  gone: number;
}

export class Monitor {
  private timer: unknown;
  private polling?: Promise<PollReport>;
  /** Incident records moved aside because they could not be read (see quarantine). */
  quarantined = 0;
  private stopped = true;
  private readonly deliveryChains = new Map<string, Promise<DeliveryTally>>();
  private readonly deliveryRerun = new Map<string, Promise<DeliveryTally>>();
  /** Held-back entries per quarantine episode (`configuration|since`), read once per episode. */
  private readonly stagedCounts = new Map<string, number>();
  private latest?: JobsReading;

  constructor(private readonly deps: MonitorDeps) {}

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
          if (!this.stopped) this.timer = (this.deps.timers ?? realTimers).setTimeout(tick, wait);
        });
    };
    this.timer = (this.deps.timers ?? realTimers).setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) (this.deps.timers ?? realTimers).clearTimeout(this.timer);
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
    for (const { config, observation, troubleshootingUrl } of observations) {
      report.observed++;
      if ('error' in observation) report.readErrors++;
      try {
        const events = await this.process(config, observation, audience(config.name), troubleshootingUrl);
        for (const e of events) report.events.push({ configuration: config.name, type: e.type, kind: e.incident.kind });
      } catch (err) {
        this.deps.logger?.error({ err, configuration: config.name }, 'incident update failed');
      }
    }
    // Deliver for every configuration: this also retries sends left pending by an earlier poll.
    const tallies = await Promise.all(this.deps.configs.all.map((c) => this.deliver(c.name).catch((err) => {
      this.deps.logger?.error({ err, configuration: c.name }, 'alert delivery failed');
      return { posted: 0, updated: 0, failed: 0, gone: 0 };
    })));
    for (const t of tallies) {
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
    for (const o of out) if (!('error' in o.observation)) await this.addStagedCount(o.config, o.observation);
    return out;
  }

  /**
   * The deletion threshold may quarantine with a reason other than TooManyDeletes (UNVERIFIED which): a quarantine
   * neither its reason nor its error code explains is checked once for held-back entries in its newest cycle.
   */
  private async addStagedCount(config: SyncConfiguration, s: JobSnapshot): Promise<void> {
    const q = s.quarantine;
    if (!q || isDeletionThreshold(q, s.lastExecution?.errorCode)) return;
    const key = `${config.name}|${q.since ?? ''}`;
    let count = this.stagedCounts.get(key);
    if (count === undefined) {
      try {
        const ref = await this.deps.configs.jobRef(config);
        const since = q.since ? new Date(Date.parse(q.since) - STAGED_LOOKBACK_MS) : undefined;
        count = (await this.stagedCycle(config.sourceTenantId, ref.jobId, since)).entries.length;
        this.stagedCounts.set(key, count);
      } catch (err) {
        this.deps.logger?.warn({ err, configuration: config.name }, 'could not read the staged entries of a quarantined job');
        return;
      }
    }
    if (count > 0) s.stagedInLastCycle = count;
  }

  /** Runs the detector for one job and folds its events into the stored record. */
  private async process(config: SyncConfiguration, observation: JobObservation, targets: ConversationTarget[], troubleshootingUrl?: string): Promise<IncidentEvent[]> {
    const targetKeys = targets.map((t) => t.key);
    let events: IncidentEvent[] = [];
    const record = await this.update(config.name, (current) => {
      const { state, events: evs } = detect(current.state, observation, { entryErrorThreshold: this.deps.entryErrorThreshold ?? DEFAULT_ENTRY_ERROR_THRESHOLD });
      events = evs;
      let alert = current.alert;
      const closed = [...current.closed];
      for (const event of evs) {
        if (event.type === 'opened') {
          if (alert) closed.push(alert.incident.id);
          alert = { incident: event.incident, status: 'open', version: 1, deliveries: {}, troubleshootingUrl };
        } else if (alert && event.type === 'changed') {
          const kindChanged = event.previous.kind !== event.incident.kind;
          alert = {
            ...alert,
            incident: event.incident,
            version: alert.version + 1,
            lastChange: event.changes.join('; '),
            troubleshootingUrl: troubleshootingUrl ?? alert.troubleshootingUrl,
            stagedDeletes: kindChanged ? undefined : alert.stagedDeletes,
          };
        } else if (alert && event.type === 'resolved') {
          alert = { ...alert, incident: event.incident, status: 'resolved', resolvedAt: event.resolvedAt, durationMs: event.durationMs, version: alert.version + 1 };
        }
      }
      let added = false;
      if (alert?.status === 'open') {
        // Conversations that subscribed while the incident is open get the card too.
        for (const key of targetKeys) {
          if (!alert.deliveries[key]) {
            alert = { ...alert, deliveries: { ...alert.deliveries, [key]: { version: 0, state: 'pending', attempts: 0 } } };
            added = true;
          }
        }
      }
      // A fix that ran but left the job in the same trouble must say so on the card, even when nothing else changed.
      let stillOpen = false;
      if (alert?.status === 'open' && alert.actionTaken?.ok && !alert.actionTaken.stillOpenAt && observation.observedAt > alert.actionTaken.at) {
        alert = { ...alert, actionTaken: { ...alert.actionTaken, stillOpenAt: observation.observedAt }, version: alert.version + 1 };
        stillOpen = true;
      }
      const silentChange = JSON.stringify(state.open ?? null) !== JSON.stringify(current.state.open ?? null);
      if (!evs.length && !added && !silentChange && !stillOpen) return 'abort';
      return { ...current, state, alert, closed: closed.slice(-20) };
    });
    if (record?.alert?.status === 'open' && record.alert.incident.kind === 'deletionThreshold' && !record.alert.stagedDeletes) {
      await this.previewStagedDeletes(config, record.alert.incident.id, record.alert.incident.errorMessage);
    }
    return events;
  }

  private async previewStagedDeletes(config: SyncConfiguration, incidentId: string, errorMessage?: string): Promise<void> {
    let preview: AlertState['stagedDeletes'];
    try {
      const ref = await this.deps.configs.jobRef(config);
      const [cycle, threshold] = await Promise.all([
        this.stagedCycle(config.sourceTenantId, ref.jobId),
        this.deps.graph.deletionThreshold(config.sourceTenantId, config.servicePrincipalId).catch(() => undefined),
      ]);
      preview = stagedDeletePreview(cycle.entries, {
        complete: cycle.complete,
        threshold: threshold?.enabled ? threshold.value ?? undefined : undefined,
        thresholdDefaulted: threshold?.defaulted,
        errorCount: countInError(errorMessage),
      });
    } catch (err) {
      this.deps.logger?.warn({ err, configuration: config.name }, 'could not read the staged deletions');
      return;
    }
    await this.update(config.name, (current) => {
      if (!current.alert || current.alert.incident.id !== incidentId) return 'abort';
      return { ...current, alert: { ...current.alert, stagedDeletes: preview, version: current.alert.version + 1 } };
    });
  }

  /** The newest cycle's held-back deletions and disables, every page of them (older gateways: one page of 500). */
  private async stagedCycle(tenantId: string, jobId: string, since?: Date): Promise<{ entries: ProvisioningLogEntry[]; complete: boolean }> {
    const graph = this.deps.graph;
    if (graph.stagedInLatestCycle) return graph.stagedInLatestCycle(tenantId, { jobId, since });
    const entries = await graph.provisioningLogs(tenantId, { jobId, action: 'staged', top: 500, since });
    const cycle = entries[0]?.cycleId;
    const latest = cycle ? entries.filter((e) => e.cycleId === cycle) : entries;
    return { entries: latest, complete: entries.length < 500 };
  }

  /**
   * CAS over the record; `decide` gets a valid record, a fresh one when absent. A record that cannot be read or fails
   * validation is first quarantined (moved aside, logged as an error) so that one bad record never stops the alerts
   * of its configuration; monitoring carries on with a fresh record.
   */
  private async update(configuration: string, decide: (current: IncidentRecord) => IncidentRecord | 'abort'): Promise<IncidentRecord | undefined> {
    for (let attempt = 1; ; attempt++) {
      let invalid: { raw: unknown; reason: string } | undefined;
      try {
        const out = await updateWithCas<IncidentRecord>(this.deps.storage, incidentKey(configuration), (raw) => {
          const parsed = raw === undefined ? undefined : RecordSchema.safeParse(raw);
          if (parsed && !parsed.success) {
            invalid = { raw, reason: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
            return 'abort';
          }
          return decide(parsed?.data ?? { schemaVersion: 1, configuration, state: { configuration }, closed: [] });
        });
        if (!invalid) return out;
      } catch (err) {
        if ((err as { code?: unknown })?.code !== 'StoredItemCorrupt' || attempt > 1) throw err;
        invalid = { raw: undefined, reason: errorText(err) };
      }
      if (attempt > 1) throw new Error(`incident record of ${configuration} is still invalid after quarantine`);
      await this.quarantine(configuration, invalid.raw, invalid.reason);
    }
  }

  /** Moves a bad incident record aside under `incidents-quarantine/<configuration>/<time>` and says so loudly. */
  private async quarantine(configuration: string, raw: unknown, reason: string): Promise<void> {
    const key = incidentKey(configuration);
    const aside = `incidents-quarantine/${configuration.toLowerCase()}/${new Date(this.deps.clock.now()).toISOString()}`;
    const { storage } = this.deps;
    if (raw !== undefined) {
      const { eTag: _eTag, ...original } = raw as Record<string, unknown>;
      await createIfAbsent(storage, aside, { reason, original });
      await storage.delete([key]);
    } else if (canMoveItems(storage)) {
      await storage.moveAside(key, aside);
    } else {
      await createIfAbsent(storage, aside, { reason, original: null });
      await storage.delete([key]);
    }
    this.quarantined++;
    this.deps.logger?.error({ configuration, key, movedTo: aside, reason }, 'INCIDENT RECORD QUARANTINED: it could not be read; alerts for this configuration go on with a fresh record');
  }

  async record(configuration: string): Promise<IncidentRecord | undefined> {
    const key = incidentKey(configuration);
    const raw = (await this.deps.storage.read([key]))[key];
    // Most jobs never had an incident: a failed parse of nothing costs zod an issue list, once per job and poll.
    if (raw === undefined) return undefined;
    const parsed = RecordSchema.safeParse(raw);
    return parsed.success ? parsed.data : undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Delivery

  /**
   * Sends what each conversation has not seen yet. One pass per configuration at a time in this process (a second
   * request waits for the running pass and then runs once more), so a card is never posted twice by racing passes.
   */
  deliver(configuration: string): Promise<DeliveryTally> {
    const running = this.deliveryChains.get(configuration);
    if (running) {
      let rerun = this.deliveryRerun.get(configuration);
      if (!rerun) {
        rerun = running.catch(() => undefined).then(() => {
          this.deliveryRerun.delete(configuration);
          return this.deliver(configuration);
        });
        this.deliveryRerun.set(configuration, rerun);
      }
      return rerun;
    }
    const pass = this.deliverPass(configuration).finally(() => this.deliveryChains.delete(configuration));
    this.deliveryChains.set(configuration, pass);
    return pass;
  }

  /** After a click changed the record: deliver now when leading, else the leader's next poll does it. */
  deliverSoon(configuration: string): void {
    if (!this.deps.leader.isLeader()) return;
    void this.deliver(configuration).catch((err) => this.deps.logger?.error({ err, configuration }, 'alert delivery failed'));
  }

  private async deliverPass(configuration: string): Promise<DeliveryTally> {
    const tally: DeliveryTally = { posted: 0, updated: 0, failed: 0, gone: 0 };
    const record = await this.record(configuration);
    const alert = record?.alert;
    if (!record || !alert) return tally;
    const due = Object.entries(alert.deliveries).filter(([, d]) => (d.state === 'pending' || d.state === 'delivered') && d.version < alert.version);
    if (!due.length) return tally;
    const card = this.deps.render(this.view(record, alert));
    const targets = new Map((await this.deps.subscriptions.targetsFor('alerts', configuration)).map((t) => [t.key, t]));
    const writer = new BatchedWriter<Record<string, Delivery>>(async (apply) => {
      await this.update(configuration, (current) => {
        if (!current.alert || current.alert.incident.id !== alert.incident.id) return 'abort';
        const deliveries = { ...current.alert.deliveries };
        apply(deliveries);
        return { ...current, alert: { ...current.alert, deliveries } };
      });
    });
    const goneKeys: { key: string; reason: string }[] = [];
    await Promise.all(
      due.map(async ([key, delivery]) => {
        // Updates still reach a conversation that unsubscribed after the card was posted.
        const target: ConversationTarget | undefined = targets.get(key) ?? (delivery.activityId ? (await this.deps.subscriptions.get(key).catch(() => undefined))?.target : undefined);
        if (!target) {
          await writer.push((d) => {
            if (d[key]) d[key] = { ...d[key], state: 'gone', lastError: 'no longer subscribed' };
          });
          return;
        }
        const isUpdate = !!delivery.activityId;
        const result: SendResult = isUpdate ? await this.deps.notifier.update(target, delivery.activityId!, card) : await this.deps.notifier.post(target, card);
        if (result.ok) {
          if (isUpdate) tally.updated++;
          else tally.posted++;
        } else if (result.gone) tally.gone++;
        else tally.failed++;
        if (!result.ok && result.gone && (!isUpdate || result.status === 403)) goneKeys.push({ key, reason: `Teams answered ${result.status}${result.code ? ` ${result.code}` : ''} to an alert` });
        await writer.push((d) => {
          const now = d[key] ?? delivery;
          if (result.ok) {
            d[key] = { activityId: isUpdate ? now.activityId : result.activityId, version: Math.max(now.version, alert.version), state: 'delivered', attempts: 0 };
          } else if (result.gone) {
            d[key] = { ...now, state: 'gone', lastError: `HTTP ${result.status}${result.code ? ` ${result.code}` : ''}` };
          } else {
            const attempts = now.attempts + 1;
            const permanent = ![0, 412, 429, 502, 503, 504].includes(result.status) || attempts >= MAX_DELIVERY_ATTEMPTS;
            d[key] = { ...now, state: permanent ? 'failed' : now.state, attempts, lastError: `HTTP ${result.status}${result.code ? ` ${result.code}` : ''}` };
          }
        });
      }),
    );
    await writer.flush();
    for (const g of goneKeys) await this.deps.subscriptions.deactivate(g.key, g.reason).catch((err) => this.deps.logger?.warn({ err }, 'could not deactivate a subscription'));
    return tally;
  }

  // -------------------------------------------------------------------------------------------
  // What card buttons ask

  async findIncident(incidentId: string): Promise<IncidentLookup> {
    const configuration = incidentId.split('@')[0];
    const config = this.deps.configs.find(configuration);
    if (!config) return { found: false, reason: `There is no configuration ${configuration} any more.` };
    const record = await this.record(config.name);
    if (!record?.alert) return { found: false, reason: 'I have no record of this alert.' };
    if (record.alert.incident.id === incidentId) return { found: true, config, record, alert: record.alert, current: true };
    if (record.closed.includes(incidentId)) return { found: false, reason: 'This alert is closed; a newer one may be open for the same job.' };
    return { found: false, reason: 'I have no record of this alert.' };
  }

  /** A person looked at it and decided (e.g. keep the deletions blocked): every copy of the card says so. */
  async acknowledge(incidentId: string, by: Actor, note: string): Promise<IncidentRecord | undefined> {
    const configuration = incidentId.split('@')[0];
    const at = new Date(this.deps.clock.now()).toISOString();
    const record = await this.update(configuration, (current) => {
      if (!current.alert || current.alert.incident.id !== incidentId || current.alert.status !== 'open') return 'abort';
      return { ...current, alert: { ...current.alert, acknowledged: { by, at, note }, version: current.alert.version + 1 } };
    });
    this.deliverSoon(configuration);
    return record;
  }

  /**
   * Claims THE "Allow deletes" of an incident, by CAS, before ForceDeletes is sent: the confirmation must name the
   * incident that is open now, that incident must still hold deletions, nobody may have allowed them already, and the
   * count the admin saw must still be the count. Only the click that gets `ok: true` may send anything.
   */
  async claimAllowDeletes(incidentId: string, seen: { version: number; count?: number }, by: Actor): Promise<{ ok: true; config: SyncConfiguration } | { ok: false; reason: string }> {
    const configuration = incidentId.split('@')[0];
    const config = this.deps.configs.find(configuration);
    if (!config) return { ok: false, reason: `There is no configuration ${configuration} any more.` };
    const at = new Date(this.deps.clock.now()).toISOString();
    const claim = randomBytes(8).toString('hex');
    let refusal = 'I have no record of this alert.';
    const record = await this.update(config.name, (current) => {
      const alert = current.alert;
      if (!alert) return 'abort';
      if (alert.incident.id !== incidentId) {
        refusal = current.closed.includes(incidentId) || alert.status === 'open'
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
    if (record?.alert?.allowDeletes?.claim !== claim) {
      return { ok: false, reason: refusal };
    }
    this.deliverSoon(config.name);
    return { ok: true, config };
  }

  /** The job right after ForceDeletes: whether Graph really released it (the effect of ForceDeletes is UNVERIFIED). */
  async jobAfterAllowDeletes(config: SyncConfiguration): Promise<{ code: string; quarantined: boolean; reason?: string } | undefined> {
    try {
      const job = await this.deps.graph.getJob(await this.deps.configs.jobRef(config));
      const quarantined = job.status.code === 'Quarantine' || !!job.status.quarantine;
      return stripUndefined({ code: job.status.code, quarantined, reason: job.status.quarantine?.reason ?? undefined });
    } catch (err) {
      this.deps.logger?.warn({ err, configuration: config.name }, 'could not read the job back after ForceDeletes');
      return undefined;
    }
  }

  /** What ForceDeletes did, read back from the job: shown on every copy of the alert. */
  async finishAllowDeletes(incidentId: string, outcome: { ok: boolean; message: string; stillQuarantined?: boolean }): Promise<IncidentRecord | undefined> {
    const configuration = incidentId.split('@')[0];
    const record = await this.update(configuration, (current) => {
      if (!current.alert || current.alert.incident.id !== incidentId || !current.alert.allowDeletes) return 'abort';
      return { ...current, alert: { ...current.alert, allowDeletes: { ...current.alert.allowDeletes, outcome: stripUndefined(outcome) }, version: current.alert.version + 1 } };
    });
    this.deliverSoon(configuration);
    return record;
  }

  /** OperationsService.onExecuted: an action ran on a job with an open alert → "action taken by X" on every copy. */
  async recordAction(config: SyncConfiguration, action: JobAction, actor: Actor, outcome: ActionOutcome): Promise<void> {
    const at = new Date(this.deps.clock.now()).toISOString();
    let changed = false;
    await this.update(config.name, (current) => {
      if (!current.alert || current.alert.status !== 'open') return 'abort';
      changed = true;
      return {
        ...current,
        alert: { ...current.alert, actionTaken: { by: actor, at, action: describeAction(action), ok: outcome.ok, message: outcome.message }, version: current.alert.version + 1 },
      };
    });
    if (changed) this.deliverSoon(config.name);
  }

  /** The latest failed provisioning log entries of the job (for "Show failures"). */
  async failures(config: SyncConfiguration, top = 5): Promise<ProvisioningLogEntry[]> {
    const ref = await this.deps.configs.jobRef(config);
    return this.deps.graph.provisioningLogs(config.sourceTenantId, { jobId: ref.jobId, status: 'failure', top });
  }

  view(record: IncidentRecord, alert: AlertState = record.alert!): AlertView {
    const config = this.deps.configs.find(record.configuration);
    const incident = alert.incident;
    const words = describeIncident(incident);
    return stripUndefined({
      incidentId: incident.id,
      configuration: config?.name ?? record.configuration,
      sourceTenant: config ? this.deps.configs.tenantName(config.sourceTenantId) : 'unknown',
      targetTenant: config ? this.deps.configs.tenantName(config.targetTenantId) : 'unknown',
      kind: incident.kind,
      title: words.title,
      explanation: words.explanation,
      whatToDo: words.whatToDo,
      errorCode: incident.errorCode,
      errorMessage: incident.errorMessage,
      openedAt: incident.openedAt,
      nextAttempt: incident.nextAttempt,
      seriesCount: incident.seriesCount,
      troubleshootingUrl: alert.troubleshootingUrl,
      status: alert.status,
      resolvedAt: alert.resolvedAt,
      durationMinutes: alert.durationMs !== undefined ? Math.max(1, Math.round(alert.durationMs / 60000)) : undefined,
      lastChange: alert.lastChange,
      stagedDeletes: alert.stagedDeletes,
      acknowledged: alert.acknowledged ? { by: alert.acknowledged.by.name, at: alert.acknowledged.at, note: alert.acknowledged.note } : undefined,
      actionTaken: alert.actionTaken ? { by: alert.actionTaken.by.name, at: alert.actionTaken.at, action: alert.actionTaken.action, ok: alert.actionTaken.ok, message: alert.actionTaken.message, stillOpenAt: alert.actionTaken.stillOpenAt } : undefined,
      allowDeletes: alert.allowDeletes
        ? stripUndefined({ by: alert.allowDeletes.by.name, at: alert.allowDeletes.at, count: alert.allowDeletes.count, outcome: alert.allowDeletes.outcome })
        : undefined,
      actions: alert.status === 'open' ? actionsOf(alert) : [],
      version: alert.version,
    });
  }
}

/**
 * The buttons an open alert offers: deletions are allowed once per incident, and when ForceDeletes left the job
 * quarantined the card offers Restart instead.
 */
export function actionsOf(alert: AlertState): IncidentAction[] {
  let actions = [...alert.incident.actions];
  if (alert.allowDeletes) actions = actions.filter((a) => a !== 'allowDeletes' && a !== 'keepBlocked');
  if (alert.allowDeletes?.outcome?.stillQuarantined && !actions.includes('restart')) actions.push('restart');
  return actions;
}

/** Coalesces delivery results into few CAS writes: whatever arrives while one write runs goes into the next. */
class BatchedWriter<T> {
  private queue: { apply: (t: T) => void; done: () => void; fail: (e: unknown) => void }[] = [];
  private running?: Promise<void>;

  constructor(private readonly write: (apply: (t: T) => void) => Promise<void>) {}

  push(apply: (t: T) => void): Promise<void> {
    const p = new Promise<void>((done, fail) => this.queue.push({ apply, done, fail }));
    if (!this.running) this.running = this.drain();
    return p;
  }

  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0);
      try {
        await this.write((t) => batch.forEach((b) => b.apply(t)));
        batch.forEach((b) => b.done());
      } catch (err) {
        batch.forEach((b) => b.fail(err));
      }
    }
    this.running = undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Graph → domain

/**
 * Graph's synchronizationJob → the detector's JobSnapshot. A schedule in state Paused reads as Paused even when the
 * status code lags; Graph's "None" error code (a job that never ran) is no error.
 */
export function snapshotOf(configuration: string, job: SyncJob, observedAt: string): JobSnapshot {
  const status = job.status;
  const q = status.quarantine;
  const last = status.lastExecution;
  const errorCodeOf = (code: string | null | undefined) => (code && code !== 'None' ? code : undefined);
  let code: string = status.code;
  if (code !== 'Quarantine' && job.schedule?.state === 'Paused') code = 'Paused';
  const snapshot: JobSnapshot = { configuration, code, observedAt };
  if (job.schedule?.state) snapshot.scheduleState = job.schedule.state;
  // A job disabled after 28 days in quarantine may no longer say Quarantine; its quarantine record still tells why.
  if (code === 'Quarantine' || (job.schedule?.state === 'Disabled' && q)) {
    snapshot.quarantine = stripUndefined({
      reason: q?.reason ?? 'Unknown',
      since: q?.currentBegan ?? q?.seriesBegan ?? undefined,
      nextAttempt: q?.nextAttempt ?? undefined,
      seriesCount: q?.seriesCount ?? undefined,
      errorCode: errorCodeOf(q?.error?.code) ?? errorCodeOf(last?.error?.code),
      errorMessage: (q?.error?.message ?? last?.error?.message) || undefined,
    });
  }
  if (last) {
    snapshot.lastExecution = stripUndefined({
      state: last.state ?? 'Unknown',
      errorCode: errorCodeOf(last.error?.code),
      countEscrowed: last.countEscrowed ?? undefined,
      timeEnded: last.timeEnded ?? undefined,
    });
  }
  return snapshot;
}

export function readError(configuration: string, observedAt: string, err: unknown): JobReadError {
  const status = err instanceof GraphError ? err.status : typeof (err as { status?: unknown })?.status === 'number' ? (err as { status: number }).status : undefined;
  const code = err instanceof GraphError ? err.code : typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : undefined;
  return { configuration, observedAt, error: stripUndefined({ httpStatus: status || undefined, code, message: errorText(err) }) };
}

/**
 * The newest cycle's held-back deletions and disables (stagedDelete and StagedAction): the real count — from the
 * entries when they were read to the end, or the number in Graph's own error when that is larger — the threshold,
 * and up to STAGED_DELETE_PREVIEW names. `more` says the count is only a lower bound.
 */
export function stagedDeletePreview(
  entries: ProvisioningLogEntry[],
  opts: { complete?: boolean; threshold?: number; thresholdDefaulted?: boolean; errorCount?: number } = {},
): NonNullable<AlertState['stagedDeletes']> {
  const staged = entries.filter(isStaged);
  const cycle = staged[0]?.cycleId;
  const latest = cycle ? staged.filter((e) => e.cycleId === cycle) : staged;
  const names = latest.map((e) => e.targetIdentity?.displayName || e.sourceIdentity?.displayName || e.targetIdentity?.id || 'unknown').slice(0, STAGED_DELETE_PREVIEW);
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
