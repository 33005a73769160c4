import { ZERO_COUNTS } from './wire';
import {
  NEVER,
  QUARANTINE_DISABLE_MS,
  iso,
  type ProvisioningLog,
  type QuarantineReason,
  type ServicePrincipal,
  type SimJob,
  type SimTenant,
  type SimUser,
  type TaskExecution,
} from './model';
import { deleteThreshold } from './deleteThreshold';
import { SimError, jobParts, type EngineContext } from './engineContext';
import { writeLog } from './provisioningLog';
import { exportConflict, invitedGuestFor, skippedMembers } from './targetConflicts';

export { deleteThreshold, type DeleteThreshold } from './deleteThreshold';
export { SimError, jobParts, type EngineContext } from './engineContext';

/**
 * The provisioning engine: what one CTS cycle does to the target directory, the provisioning log and the job
 * status. Deliberately synchronous and driven from outside (timer or control API) so tests control time.
 */

/** Users assigned directly plus DIRECT user members of assigned groups; guests are never in scope. */
export function computeScope(source: SimTenant, sp: ServicePrincipal): Map<string, SimUser> {
  const scope = new Map<string, SimUser>();
  const consider = (id: string) => {
    const u = source.users.get(id);
    // Internal members only: guests and external (B2B) members are skipped, whatever their userType says.
    if (u && u.userType === 'Member' && !u.syncedFrom && !u.externalUserState && u.creationType !== 'Invitation' && !u.userPrincipalName.includes('#EXT#'))
      scope.set(u.id, u);
  };
  for (const a of sp.assignments) {
    if (a.principalType === 'User') consider(a.principalId);
    else source.groups.get(a.principalId)?.members.forEach(consider);
  }
  return scope;
}

export function targetAllowsInbound(target: SimTenant, sourceTenantId: string): boolean {
  return target.partners.get(sourceTenantId)?.identitySynchronization?.userSyncInbound.isSyncAllowed === true;
}

function targetUpn(u: SimUser, target: SimTenant): string {
  return `${u.userPrincipalName.replace('@', '_')}#EXT#@${target.domain}`;
}

const SYNCED_PROPS = ['displayName', 'givenName', 'surname', 'mail', 'department', 'jobTitle'] as const;

function execution(ctx: EngineContext, began: number, patch: Partial<TaskExecution>): TaskExecution {
  return {
    activityIdentifier: ctx.ids.guid(),
    ...ZERO_COUNTS,
    error: null,
    state: 'Succeeded',
    timeBegan: iso(began),
    timeEnded: iso(ctx.clock.now()),
    ...patch,
  };
}

export function quarantine(
  ctx: EngineContext,
  job: SimJob,
  reason: QuarantineReason,
  error: { code: string; message: string; tenantActionable: boolean } | null,
  sticky = false,
): void {
  const now = ctx.clock.now();
  // The real service retries after 6, 12, 24 hours, then daily (reference §10).
  const backoffHours = [6, 12, 24];
  if (job.quarantine && job.quarantine.reason === reason) {
    job.quarantine.seriesCount += 1;
    job.quarantine.currentBegan = iso(now);
    job.quarantine.error = error;
    job.quarantine.sticky = job.quarantine.sticky || sticky;
    const h = backoffHours[Math.min(job.quarantine.seriesCount - 1, 2)] ?? 24;
    job.quarantine.nextAttempt = iso(now + h * 3600_000);
  } else {
    job.quarantine = {
      currentBegan: iso(now),
      seriesBegan: iso(now),
      seriesCount: 1,
      nextAttempt: iso(now + 6 * 3600_000),
      reason,
      error,
      sticky,
    };
  }
  job.code = job.scheduleState === 'Paused' ? 'Paused' : 'Quarantine';
  // Still quarantined after 28 days: the service disables the job (reference §10); only start or restart revives it.
  if (now - Date.parse(job.quarantine.seriesBegan) > QUARANTINE_DISABLE_MS) job.scheduleState = 'Disabled';
}

function fail(ctx: EngineContext, job: SimJob, began: number, error: { code: string; message: string; tenantActionable: boolean }): void {
  job.lastExecution = execution(ctx, began, { state: 'Failed', error });
  job.countSuccessiveCompleteFailures += 1;
  quarantine(ctx, job, 'EncounteredQuarantineException', error);
}

/** Why a cycle can't reach the target at all, or null when it can. */
export function blockingError(ctx: EngineContext, job: SimJob): { code: string; message: string; tenantActionable: boolean } | null {
  const { source, target } = jobParts(ctx, job);
  if (!job.credentialsValid) {
    return {
      code: 'AzureActiveDirectoryInvalidCredentials',
      message: `The credentials for ${target.name} could not be validated; re-authorize the configuration.`,
      tenantActionable: true,
    };
  }
  if (!targetAllowsInbound(target, job.sourceTenantId)) {
    // UNVERIFIED code: no page names the error for isSyncAllowed = false; the simulator uses its own.
    return {
      code: 'CrossTenantSyncNotAllowedByTarget',
      message: `The cross-tenant access policy of ${target.name} does not allow inbound user synchronization from this tenant (userSyncInbound.isSyncAllowed is not true).`,
      tenantActionable: true,
    };
  }
  const inbound = target.partners.get(job.sourceTenantId)?.automaticUserConsentSettings.inboundAllowed === true;
  const outbound = source.partners.get(job.targetTenantId)?.automaticUserConsentSettings.outboundAllowed === true;
  if (!inbound || !outbound) {
    // The documented code and message for missing auto-redemption consent (synchronizationError reference).
    return {
      code: 'AzureDirectoryB2BManagementPolicyCheckFailure',
      message: 'Policy permitting auto-redemption of invitations not configured.',
      tenantActionable: true,
    };
  }
  return null;
}

function differences(src: SimUser, tgt: SimUser): ProvisioningLog['modifiedProperties'] {
  const out: ProvisioningLog['modifiedProperties'] = [];
  for (const p of SYNCED_PROPS) {
    if (src[p] !== tgt[p]) out.push({ displayName: p, oldValue: tgt[p] ?? null, newValue: src[p] ?? null });
  }
  if (src.accountEnabled && !tgt.accountEnabled) out.push({ displayName: 'accountEnabled', oldValue: 'False', newValue: 'True' });
  return out;
}

type Outcome =
  | { action: 'create' | 'update' | 'disable' | 'none'; targetId: string; modified: ProvisioningLog['modifiedProperties'] }
  | { action: 'failed'; targetId: ''; modified: []; error: { errorCode: string; reason: string } };

/** Create, update or disable one in-scope user in the target; the Matching step finds earlier B2B copies. */
export function provisionUser(ctx: EngineContext, job: SimJob, src: SimUser): Outcome {
  const { target } = jobParts(ctx, job);
  const targetId = job.links.get(src.id);
  let tgt = targetId ? target.users.get(targetId) : undefined;
  if (!tgt) {
    tgt =
      [...target.users.values()].find((u) => u.syncedFrom?.tenantId === job.sourceTenantId && u.syncedFrom.userId === src.id) ??
      invitedGuestFor(target, job, src);
    if (tgt) job.links.set(src.id, tgt.id);
  }
  if (!src.accountEnabled) {
    if (tgt && tgt.accountEnabled) {
      tgt.accountEnabled = false;
      return { action: 'disable', targetId: tgt.id, modified: [{ displayName: 'accountEnabled', oldValue: 'True', newValue: 'False' }] };
    }
    return { action: 'none', targetId: tgt?.id ?? '', modified: [] };
  }
  if (!tgt) {
    const conflict = exportConflict(target, src);
    if (conflict) return { action: 'failed', targetId: '', modified: [], error: conflict };
    const created: SimUser = {
      id: ctx.ids.guid(),
      userPrincipalName: targetUpn(src, target),
      displayName: src.displayName,
      givenName: src.givenName,
      surname: src.surname,
      mail: src.mail,
      userType: 'Member',
      accountEnabled: true,
      department: src.department,
      jobTitle: src.jobTitle,
      createdDateTime: iso(ctx.clock.now()),
      syncedFrom: { tenantId: job.sourceTenantId, userId: src.id, jobId: job.id },
    };
    target.users.set(created.id, created);
    job.links.set(src.id, created.id);
    return { action: 'create', targetId: created.id, modified: SYNCED_PROPS.map((p) => ({ displayName: p, oldValue: null, newValue: src[p] ?? null })) };
  }
  const modified = differences(src, tgt);
  if (modified.length === 0) return { action: 'none', targetId: tgt.id, modified };
  for (const p of SYNCED_PROPS) (tgt as unknown as Record<string, unknown>)[p] = src[p];
  tgt.accountEnabled = true;
  return { action: 'update', targetId: tgt.id, modified };
}

/** One provisioning cycle. Paused or disabled jobs do not cycle. */
export function runCycle(ctx: EngineContext, job: SimJob): void {
  if (job.scheduleState !== 'Active') return;
  const began = ctx.clock.now();
  const { source, target, sp } = jobParts(ctx, job);
  job.cycles += 1;
  job.progressObservation = iso(began);

  if (job.quarantine?.sticky) {
    quarantine(ctx, job, job.quarantine.reason, job.quarantine.error, true);
    job.lastExecution = execution(ctx, began, { state: 'Failed', error: job.quarantine.error });
    return;
  }
  const blocked = blockingError(ctx, job);
  if (blocked) return fail(ctx, job, began, blocked);

  const cycleId = ctx.ids.guid();
  const scope = computeScope(source, sp);
  let exports = 0;
  let deltas = 0;
  for (const src of scope.values()) {
    if (!src.accountEnabled) continue; // disables are counted with deletes below
    const out = provisionUser(ctx, job, src);
    if (out.action === 'none') continue;
    if (out.action === 'failed') {
      writeLog(ctx, job, { action: 'create', status: 'failure', sourceUser: src, targetUserId: '', cycleId, error: out.error });
      continue;
    }
    exports += 1;
    deltas += 1;
    writeLog(ctx, job, { action: out.action, status: 'success', sourceUser: src, targetUserId: out.targetId, cycleId, modified: out.modified });
  }
  // Guests and external members of assigned groups are read and skipped at scoping; the log says so once per user.
  const logged = (job.skipsLogged ??= new Set());
  for (const u of skippedMembers(source, sp.assignments, scope)) {
    if (logged.has(u.id)) continue;
    logged.add(u.id);
    writeLog(ctx, job, {
      action: 'other',
      status: 'skipped',
      sourceUser: u,
      targetUserId: '',
      cycleId,
      error: { errorCode: 'NotEffectivelyEntitled', reason: 'guests and external members are not synced' },
    });
  }

  // Deletions and disables are what the accidental-deletion threshold counts (reference §3).
  const removals: { src: SimUser; targetId: string; kind: 'delete' | 'disable' }[] = [];
  for (const [srcId, tgtId] of job.links) {
    const tgt = target.users.get(tgtId);
    if (!tgt) {
      job.links.delete(srcId);
      continue;
    }
    const src = source.users.get(srcId);
    const inScope = scope.get(srcId);
    if (!inScope) {
      const ghost: SimUser = src ?? { ...tgt, id: srcId, userPrincipalName: tgt.userPrincipalName };
      removals.push({ src: ghost, targetId: tgtId, kind: 'delete' });
    } else if (!inScope.accountEnabled && tgt.accountEnabled) {
      removals.push({ src: inScope, targetId: tgtId, kind: 'disable' });
    }
  }
  const threshold = deleteThreshold(sp);
  const held = threshold.enabled && removals.length > threshold.value && !job.forceDeletes;
  for (const r of removals) {
    deltas += 1;
    if (held) {
      writeLog(ctx, job, {
        action: r.kind === 'disable' ? 'StagedAction' : 'stagedDelete',
        status: 'skipped',
        sourceUser: r.src,
        targetUserId: r.targetId,
        cycleId,
        error: { errorCode: 'TooManyDeletes', reason: `Held back: ${removals.length} deletions exceed the threshold of ${threshold.value}` },
      });
      continue;
    }
    if (r.kind === 'delete') {
      target.users.delete(r.targetId);
      for (const g of target.groups.values()) g.members = g.members.filter((m) => m !== r.targetId);
      job.links.delete(r.src.id);
    } else {
      const tgt = target.users.get(r.targetId);
      if (tgt) tgt.accountEnabled = false;
    }
    exports += 1;
    writeLog(ctx, job, { action: r.kind, status: 'success', sourceUser: r.src, targetUserId: r.targetId, cycleId });
  }
  if (!held) job.forceDeletes = false;

  const counts = {
    countEntitled: scope.size,
    countEntitledForProvisioning: [...scope.values()].filter((u) => u.accountEnabled).length,
    countImported: scope.size + removals.length,
    countImportedDeltas: deltas,
    countExported: exports,
    countExports: exports,
  };
  if (held) {
    const error = {
      code: 'TooManyDeletes',
      message: `The cycle would delete or disable ${removals.length} users, more than the accidental deletion threshold of ${threshold.value}. Allow the deletions (restart with ForceDeletes) or restore the scope.`,
      tenantActionable: true,
    };
    job.lastExecution = execution(ctx, began, { ...counts, state: 'Failed', error });
    job.countSuccessiveCompleteFailures += 1;
    quarantine(ctx, job, 'TooManyDeletes', error);
    return;
  }
  const exec = execution(ctx, began, counts);
  job.lastExecution = exec;
  job.lastSuccessfulExecution = exec;
  if (exports > 0) job.lastSuccessfulExecutionWithExports = exec;
  job.countSuccessiveCompleteFailures = 0;
  job.quarantine = null;
  job.code = 'Active';
  if (exports === 0) {
    if (job.steadyStateFirstAchievedTime === NEVER) job.steadyStateFirstAchievedTime = exec.timeEnded;
    job.steadyStateLastAchievedTime = exec.timeEnded;
  }
}

export const RESET_SCOPES = ['None', 'ConnectorDataStore', 'Escrows', 'Watermark', 'QuarantineState', 'Full', 'ForceDeletes'] as const;
export type ResetScope = (typeof RESET_SCOPES)[number];

/** Parses restart criteria.resetScope: a comma-separated combination; empty means the portal's restart. */
export function parseResetScope(raw: string | undefined | null): Set<ResetScope> {
  const parts = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  // Empty behaves like the portal's "Restart provisioning" (reference §1).
  if (parts.length === 0) return new Set<ResetScope>(['QuarantineState', 'Watermark', 'Escrows']);
  const out = new Set<ResetScope>();
  for (const p of parts) {
    const match = RESET_SCOPES.find((s) => s.toLowerCase() === p.toLowerCase());
    if (!match) throw new SimError(400, 'BadRequest', `Invalid resetScope value '${p}'. Valid values: ${RESET_SCOPES.join(', ')}.`);
    if (match === 'Full') ['ConnectorDataStore', 'Escrows', 'Watermark', 'QuarantineState'].forEach((s) => out.add(s as ResetScope));
    out.add(match);
  }
  return out;
}

export function restartJob(ctx: EngineContext, job: SimJob, scopes: Set<ResetScope>): void {
  if (scopes.has('ConnectorDataStore')) job.links.clear(); // the next cycle re-matches B2B users by source id
  if (scopes.has('Escrows')) job.escrowsPruned = true;
  if (scopes.has('ForceDeletes')) {
    job.forceDeletes = true;
    // ForceDeletes is the portal's "Allow deletes": it releases a TooManyDeletes quarantine.
    if (job.quarantine?.reason === 'TooManyDeletes') job.quarantine = null;
  }
  if (scopes.has('QuarantineState')) job.quarantine = null;
  if (scopes.has('None') && scopes.size === 1) return;
  job.scheduleState = 'Active';
  job.code = job.quarantine ? 'Quarantine' : job.lastExecution ? 'Active' : 'NotRun';
}

export function pauseJob(job: SimJob): void {
  job.scheduleState = 'Paused';
  job.code = 'Paused';
}

/** Start resumes a paused job and clears quarantine; on a running job it changes nothing. */
export function startJob(job: SimJob): void {
  if (job.scheduleState === 'Active' && job.code !== 'Quarantine') return;
  job.scheduleState = 'Active';
  job.quarantine = null;
  job.code = job.lastExecution ? 'Active' : 'NotRun';
}
