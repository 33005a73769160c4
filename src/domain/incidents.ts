/**
 * Incident detector: one job's previous incident state + a new observation → next state + events.
 * One incident per job per episode (an episode lasts from the first unhealthy observation to the next
 * healthy one); what changes inside it is a `changed` event only when a person would want to know.
 * Observations are in our own words (the graph layer maps synchronizationStatus into JobSnapshot).
 */

export const QUARANTINE_REASONS = [
  'EncounteredBaseEscrowThreshold',
  'EncounteredTotalEscrowThreshold',
  'EncounteredEscrowProportionThreshold',
  'EncounteredQuarantineException',
  'QuarantinedOnDemand',
  'TooManyDeletes',
  'IngestionInterrupted',
  'Unknown',
] as const;
export type QuarantineReason = (typeof QUARANTINE_REASONS)[number];

export type JobStatusCode = 'NotConfigured' | 'NotRun' | 'Active' | 'Paused' | 'Quarantine' | (string & {});

export interface JobSnapshot {
  configuration: string;
  code: JobStatusCode;
  quarantine?: {
    reason: string;
    /** When the current quarantine began (quarantine.currentBegan / seriesBegan). */
    since?: string;
    nextAttempt?: string;
    seriesCount?: number;
    errorCode?: string;
    errorMessage?: string;
  };
  lastExecution?: { state: string; errorCode?: string; countEscrowed?: number; timeEnded?: string };
  /** The schedule's state (Active, Paused, Disabled): the service disables a job quarantined for over 28 days. */
  scheduleState?: string;
  /** Deletions/disables the threshold held back in the newest cycle (provisioning logs), when they were read. */
  stagedInLastCycle?: number;
  /** ISO 8601 time of the read. */
  observedAt: string;
}

/** The status read itself failed (the bot's own credentials, throttling, an outage…). */
export interface JobReadError {
  configuration: string;
  observedAt: string;
  error: { httpStatus?: number; code?: string; message: string };
}

export type JobObservation = JobSnapshot | JobReadError;

/** `drift` is raised by the drift watch (domain/drift.ts), not by detect(): a setting the doctor checks got worse. */
export type IncidentKind = 'quarantine' | 'deletionThreshold' | 'paused' | 'entryErrors' | 'credentials' | 'disabled' | 'drift';
export type IncidentAction = 'start' | 'restart' | 'pause' | 'showFailures' | 'allowDeletes' | 'keepBlocked';

export interface Incident {
  /** `<configuration>@<openedAt>`: stable for the episode, unique per job. */
  id: string;
  configuration: string;
  kind: IncidentKind;
  /** Normalised quarantine reason, for quarantine and deletionThreshold. */
  reason?: QuarantineReason;
  openedAt: string;
  updatedAt: string;
  seriesCount?: number;
  nextAttempt?: string;
  errorCode?: string;
  errorMessage?: string;
  countEscrowed?: number;
  /** The escrow count last announced, so growth is announced once per doubling, not every cycle. */
  announcedCountEscrowed?: number;
  actions: IncidentAction[];
}

export interface IncidentState {
  configuration: string;
  open?: Incident;
  lastObservedAt?: string;
}

export type IncidentEvent =
  | { type: 'opened'; configuration: string; incident: Incident }
  | { type: 'changed'; configuration: string; incident: Incident; previous: Incident; changes: string[] }
  | { type: 'resolved'; configuration: string; incident: Incident; resolvedAt: string; durationMs: number };

export interface DetectOptions {
  /** Escrowed (failed, queued for retry) entries above which a cycle with entry-level errors is an incident. */
  entryErrorThreshold: number;
}

export interface DetectResult {
  state: IncidentState;
  events: IncidentEvent[];
}

export const isReadError = (o: JobObservation): o is JobReadError => 'error' in o && !!o.error;

/** Accepts both spellings of on-demand quarantine and any casing; anything else is Unknown. */
export function normalizeReason(reason: string | undefined): QuarantineReason {
  const r = (reason ?? '').trim().toLowerCase();
  if (r === 'quarantineondemand') return 'QuarantinedOnDemand';
  return QUARANTINE_REASONS.find((q) => q.toLowerCase() === r) ?? 'Unknown';
}

/** 401/403 (or an auth error code) on the status read: the bot's own access is broken. */
export function isCredentialFailure(e: JobReadError['error']): boolean {
  if (e.httpStatus === 401 || e.httpStatus === 403) return true;
  return /unauthori[sz]ed|forbidden|invalid_client|invalid_grant|authorization_requestdenied|accessdenied|InvalidAuthenticationToken/i.test(e.code ?? '');
}

export const INCIDENT_ACTIONS: Readonly<Record<IncidentKind, readonly IncidentAction[]>> = {
  quarantine: ['restart', 'showFailures', 'pause'],
  deletionThreshold: ['allowDeletes', 'keepBlocked', 'showFailures'],
  paused: ['start'],
  entryErrors: ['showFailures', 'restart', 'pause'],
  // The bot cannot act on a job it cannot read: fixing the credentials comes first.
  credentials: [],
  // Disabled after 28 days in quarantine: fix the cause, then restart (start would only resume the same failure).
  disabled: ['showFailures', 'restart'],
  // Drift is fixed where the setting lives (the card names who, where and how), not by acting on the job.
  drift: [],
};

/**
 * Error codes that say "deletion threshold" whatever the quarantine reason. UNVERIFIED: no reference page ties the
 * threshold to a reason or a code; `TooManyDeletes` is the enum value, the others are spellings seen in the wild.
 */
const DELETE_THRESHOLD_CODE = /TooManyDeletes|DeleteThreshold|AccidentalDelet|DeletionThreshold/i;

/** Whether an observed quarantine is the accidental-deletion threshold: by reason, by error code, or by staged entries. */
export function isDeletionThreshold(q: { reason?: string; errorCode?: string } | undefined, lastErrorCode?: string, stagedInLastCycle?: number): boolean {
  if (normalizeReason(q?.reason) === 'TooManyDeletes') return true;
  if (DELETE_THRESHOLD_CODE.test(q?.errorCode ?? '') || DELETE_THRESHOLD_CODE.test(lastErrorCode ?? '')) return true;
  return (stagedInLastCycle ?? 0) > 0;
}

export function actionsFor(kind: IncidentKind, reason?: QuarantineReason): IncidentAction[] {
  // An admin quarantined it on purpose: offer the way out, not the failure list.
  if (kind === 'quarantine' && reason === 'QuarantinedOnDemand') return ['restart'];
  return [...INCIDENT_ACTIONS[kind]];
}

interface Condition {
  kind: IncidentKind;
  reason?: QuarantineReason;
  seriesCount?: number;
  nextAttempt?: string;
  errorCode?: string;
  errorMessage?: string;
  countEscrowed?: number;
}

const HEALTHY_CODES = new Set(['active', 'notrun']);

/** What the observation says: a condition, 'healthy', or 'unknown' (no conclusion: keep the state). */
function classify(o: JobObservation, options: DetectOptions): Condition | 'healthy' | 'unknown' {
  if (isReadError(o)) {
    if (!isCredentialFailure(o.error)) return 'unknown';
    return { kind: 'credentials', errorCode: o.error.code ?? (o.error.httpStatus ? String(o.error.httpStatus) : undefined), errorMessage: o.error.message };
  }
  const code = String(o.code ?? '').toLowerCase();
  if (code === 'quarantine' || (o.scheduleState?.toLowerCase() === 'disabled' && o.quarantine)) {
    const reason = normalizeReason(o.quarantine?.reason);
    const threshold = isDeletionThreshold(o.quarantine, o.lastExecution?.errorCode, o.stagedInLastCycle);
    const disabled = o.scheduleState?.toLowerCase() === 'disabled';
    return {
      kind: disabled ? 'disabled' : threshold ? 'deletionThreshold' : 'quarantine',
      reason,
      seriesCount: o.quarantine?.seriesCount,
      nextAttempt: o.quarantine?.nextAttempt,
      errorCode: o.quarantine?.errorCode,
      errorMessage: o.quarantine?.errorMessage,
    };
  }
  if (code === 'paused') return { kind: 'paused' };
  if (HEALTHY_CODES.has(code)) {
    const escrowed = o.lastExecution?.countEscrowed ?? 0;
    if (o.lastExecution && /^(EntryLevelErrors|Failed)$/i.test(o.lastExecution.state) && escrowed > options.entryErrorThreshold) {
      return { kind: 'entryErrors', countEscrowed: escrowed, errorCode: o.lastExecution.errorCode };
    }
    return 'healthy';
  }
  // NotConfigured and values Graph may add later say nothing about an incident either way.
  return 'unknown';
}

function without<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function openIncident(configuration: string, c: Condition, at: string): Incident {
  return without({
    id: `${configuration}@${at}`,
    configuration,
    kind: c.kind,
    reason: c.reason,
    openedAt: at,
    updatedAt: at,
    seriesCount: c.seriesCount,
    nextAttempt: c.nextAttempt,
    errorCode: c.errorCode,
    errorMessage: c.errorMessage,
    countEscrowed: c.countEscrowed,
    announcedCountEscrowed: c.countEscrowed,
    actions: actionsFor(c.kind, c.reason),
  });
}

const KIND_WORDS: Record<IncidentKind, string> = {
  quarantine: 'quarantined',
  deletionThreshold: 'holding back deletions',
  paused: 'paused',
  entryErrors: 'failing for some users',
  credentials: 'unreadable (the bot’s credentials are failing)',
  disabled: 'disabled after 28 days in quarantine',
  drift: 'drifted from the checked setup',
};

/** Folds a condition into the open incident; lists the changes a person should hear about. */
function update(prev: Incident, c: Condition, at: string): { next: Incident; changes: string[] } {
  const changes: string[] = [];
  if (c.kind !== prev.kind) changes.push(`now ${KIND_WORDS[c.kind]} (was ${KIND_WORDS[prev.kind]})`);
  else if (c.reason !== prev.reason && c.reason) changes.push(`reason changed from ${prev.reason ?? 'none'} to ${c.reason}`);
  if (c.kind === prev.kind && c.seriesCount !== undefined && c.seriesCount > (prev.seriesCount ?? 0) && prev.seriesCount !== undefined) {
    changes.push(`retried and still quarantined (attempt ${c.seriesCount})`);
  }
  if (c.errorCode && prev.errorCode && c.errorCode !== prev.errorCode && c.kind === prev.kind) {
    changes.push(`error changed from ${prev.errorCode} to ${c.errorCode}`);
  }
  let announced = c.kind === prev.kind ? prev.announcedCountEscrowed : c.countEscrowed;
  if (c.kind === 'entryErrors' && prev.kind === 'entryErrors' && c.countEscrowed !== undefined) {
    if (c.countEscrowed >= 2 * Math.max(1, prev.announcedCountEscrowed ?? 0)) {
      changes.push(`failing entries grew to ${c.countEscrowed} (from ${prev.announcedCountEscrowed ?? 0})`);
      announced = c.countEscrowed;
    }
  }
  const next = without({
    ...prev,
    kind: c.kind,
    reason: c.reason,
    seriesCount: c.seriesCount,
    nextAttempt: c.nextAttempt,
    errorCode: c.errorCode,
    errorMessage: c.errorMessage,
    countEscrowed: c.countEscrowed,
    announcedCountEscrowed: announced,
    actions: actionsFor(c.kind, c.reason),
    updatedAt: changes.length ? at : prev.updatedAt,
  });
  return { next, changes };
}

export function detect(previous: IncidentState | undefined, observation: JobObservation, options: DetectOptions): DetectResult {
  const configuration = observation.configuration;
  const state: IncidentState = previous ?? { configuration };
  const at = observation.observedAt;
  const atMs = Date.parse(at);
  // Late or unreadable timestamps (a slow poll overtaken by a faster one) must not reopen or resolve anything.
  if (Number.isNaN(atMs)) return { state, events: [] };
  if (state.lastObservedAt && atMs < Date.parse(state.lastObservedAt)) return { state, events: [] };

  const c = classify(observation, options);
  if (c === 'unknown') return { state, events: [] };
  const seen = { ...state, configuration, lastObservedAt: at };

  if (c === 'healthy') {
    if (!state.open) return { state: without({ ...seen, open: undefined }), events: [] };
    const incident = state.open;
    const durationMs = Math.max(0, atMs - Date.parse(incident.openedAt));
    return {
      state: without({ ...seen, open: undefined }),
      events: [{ type: 'resolved', configuration, incident, resolvedAt: at, durationMs }],
    };
  }
  if (!state.open) {
    const incident = openIncident(configuration, c, at);
    return { state: { ...seen, open: incident }, events: [{ type: 'opened', configuration, incident }] };
  }
  const { next, changes } = update(state.open, c, at);
  const events: IncidentEvent[] = changes.length ? [{ type: 'changed', configuration, incident: next, previous: state.open, changes }] : [];
  return { state: { ...seen, open: next }, events };
}

// ---------------------------------------------------------------------------------------------
// Words for people

export interface ReasonDescription {
  title: string;
  explanation: string;
  whatToDo: string;
}

const REASONS: Record<QuarantineReason, ReasonDescription> = {
  EncounteredBaseEscrowThreshold: {
    title: 'Too many users failed to sync',
    explanation: 'So many users failed to sync that the service stopped to protect the target tenant. It retries at a slower pace.',
    whatToDo: 'Open the failures, fix the most common error (often a missing attribute or a blocked user), then restart.',
  },
  EncounteredTotalEscrowThreshold: {
    title: 'Too many users failed to sync',
    explanation: 'The number of users waiting to be retried passed the service limit, so sync stopped and retries slowly.',
    whatToDo: 'Open the failures, fix the most common error, then restart (clearing the retry queue if the errors are fixed).',
  },
  EncounteredEscrowProportionThreshold: {
    title: 'A large share of users failed to sync',
    explanation: 'More than about 40% of users in scope failed, so the service stopped to protect the target tenant.',
    whatToDo: 'Open the failures, fix the common cause (attribute mappings, target tenant policy), then restart.',
  },
  EncounteredQuarantineException: {
    title: 'Sync hit an error it cannot work around',
    explanation: 'The service met a critical error, often invalid credentials or a cross-tenant access policy that no longer allows sync.',
    whatToDo: 'Check that the target tenant still allows inbound sync from us and that the configuration is authorised, then restart.',
  },
  QuarantinedOnDemand: {
    title: 'Sync was stopped on purpose',
    explanation: 'Someone asked the service to quarantine this job.',
    whatToDo: 'When it is safe to sync again, restart the job.',
  },
  TooManyDeletes: {
    title: 'Deletions held back',
    explanation: 'One cycle would delete or disable more users than the accidental-deletion threshold allows, so nothing was deleted and sync stopped.',
    whatToDo: 'Check the held-back users. If the deletions are intended, allow them; if not, put the users back in scope and keep them blocked.',
  },
  IngestionInterrupted: {
    title: 'Reading from the source tenant was interrupted',
    explanation: 'The service could not finish reading users from our tenant; this is usually temporary on the service side.',
    whatToDo: 'Wait for the next attempt; if it persists for more than a day, restart the job.',
  },
  Unknown: {
    title: 'Sync is quarantined',
    explanation: 'The service quarantined the job without giving a known reason.',
    whatToDo: 'Open the failures and the provisioning logs, fix what they show, then restart.',
  },
};

/** Plain words for a quarantine reason (either spelling of on-demand; unknown values read as Unknown). */
export function describeReason(reason: string): ReasonDescription {
  return REASONS[normalizeReason(reason)];
}

/** Plain words for any incident. */
export function describeIncident(incident: Incident): ReasonDescription {
  switch (incident.kind) {
    case 'quarantine':
      return describeReason(incident.reason ?? 'Unknown');
    case 'deletionThreshold':
      // Detected from the error code or staged entries even when the reason says otherwise.
      return REASONS.TooManyDeletes;
    case 'disabled':
      return {
        title: 'Sync was disabled after 28 days in quarantine',
        explanation: `The job stayed quarantined for more than 28 days (${describeReason(incident.reason ?? 'Unknown').title.toLowerCase()}), so the service disabled it: nothing syncs and it no longer retries on its own.`,
        whatToDo: 'Open the failures, fix the cause, then restart the job.',
      };
    case 'paused':
      return {
        title: 'Sync is paused',
        explanation: 'The job is paused: nothing syncs until it is started again. Its state is kept.',
        whatToDo: 'Start it when changes should flow again.',
      };
    case 'entryErrors':
      return {
        title: 'Some users are failing to sync',
        explanation: `${incident.countEscrowed ?? 'Some'} users failed in the last cycle and are queued for retry; the rest synced.`,
        whatToDo: 'Open the failures and fix the most common error; the service retries them on its own.',
      };
    case 'drift':
      return {
        title: 'Setup drifted',
        explanation: 'A setting the doctor checks changed for the worse since the previous check (or the scope grew sharply).',
        whatToDo: 'Put each setting below back as its fix says, or confirm the change was intended; type "doctor" for the whole picture.',
      };
    case 'credentials':
      return {
        title: 'The bot cannot read this sync job',
        explanation: `Microsoft Graph refused the bot's request${incident.errorCode ? ` (${incident.errorCode})` : ''}: its credentials or permissions are failing.`,
        whatToDo: 'Check the bot’s app registration: secret or certificate expiry, admin consent and the Synchronization permissions.',
      };
  }
}

/** The permission each incident action needs (names match policy.ts). */
export const ACTION_PERMISSIONS: Readonly<Record<IncidentAction, 'sync.read' | 'sync.operate' | 'deletes.allow'>> = {
  start: 'sync.operate',
  restart: 'sync.operate',
  pause: 'sync.operate',
  showFailures: 'sync.read',
  allowDeletes: 'deletes.allow',
  keepBlocked: 'sync.operate',
};
