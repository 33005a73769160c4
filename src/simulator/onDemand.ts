/** POST …/jobs/{id}/provisionOnDemand in the simulator: one user through the same engine step as a cycle. */
import { blockingError, computeScope, provisionUser } from './engine';
import { SimError, jobParts, type EngineContext } from './engineContext';
import { iso, type SimJob } from './model';
import { EXPORT_STEP, writeLog } from './provisioningLog';

export interface OnDemandResult {
  key: string;
  value: string;
}

/** The CTS guide's provisionOnDemand `key`: a type name, with `value` a JSON array of status objects. */
export const CTS_ON_DEMAND_KEY = 'Microsoft.Identity.Health.CPP.Common.DataContracts.SyncFabric.StatusInfo';

/**
 * provisionOnDemand for one user subject. 'cts' answers as the CTS guide shows (key = a type name, value = a JSON
 * array whose entries carry provisioningSteps with a timestamp each); 'generic' as the generic reference (key = JSON
 * {result, details}, value = one JSON object with action, statusInfo, identities and steps).
 */
export function provisionOnDemand(ctx: EngineContext, job: SimJob, userId: string, shape: 'cts' | 'generic' = 'cts'): OnDemandResult {
  const { source, target, sp } = jobParts(ctx, job);
  const src = source.users.get(userId);
  if (!src) throw new SimError(400, 'RequestParameterInvalid', `The subject '${userId}' was not found in the source directory.`);
  const cycleId = ctx.ids.guid();
  const steps: { name: string; type: string; status: string; description: string; details: Record<string, string> }[] = [
    {
      name: 'EntryImport',
      type: 'Import',
      status: 'Success',
      description: `Retrieved ${src.userPrincipalName} from ${source.name}`,
      details: { objectId: src.id },
    },
  ];
  const answer = (result: 'Success' | 'Skipped' | 'Failure', action: string, details: Record<string, string>, targetId = ''): OnDemandResult =>
    shape === 'cts'
      ? {
          key: CTS_ON_DEMAND_KEY,
          value: JSON.stringify([
            {
              provisioningSteps: steps.map((s) => ({
                name: s.name,
                type: s.type,
                status: s.status,
                description: s.description,
                timestamp: iso(ctx.clock.now()),
                details: s.details,
              })),
            },
          ]),
        }
      : {
          key: JSON.stringify({ result, details }),
          value: JSON.stringify({
            action,
            changeId: ctx.ids.guid(),
            modifiedProperties: [],
            provisioningSteps: steps,
            statusInfo: { status: result },
            sourceIdentity: { id: src.id, displayName: src.displayName, identityType: 'User' },
            targetIdentity: { id: targetId, displayName: src.displayName, identityType: 'User' },
          }),
        };
  const blocked = blockingError(ctx, job);
  if (blocked) {
    steps.push({ name: 'EntryExport', type: 'Export', status: 'Failure', description: blocked.message, details: { errorCode: blocked.code } });
    return answer('Failure', 'Other', { errorCode: blocked.code, errorMessage: blocked.message });
  }
  const inScope = computeScope(source, sp).has(src.id);
  if (!inScope) {
    steps.push({
      name: 'EntrySynchronizationScoping',
      type: 'Scoping',
      status: 'Skipped',
      description: 'The user is not assigned to the configuration, or is a guest.',
      details: { ScopeEvaluationResult: 'NotEffectivelyEntitled' },
    });
    writeLog(ctx, job, {
      action: 'other',
      status: 'skipped',
      sourceUser: src,
      targetUserId: '',
      cycleId,
      onDemand: true,
      error: { errorCode: 'NotEffectivelyEntitled', reason: 'The user is not in scope' },
    });
    return answer('Skipped', 'Other', { errorCode: 'NotEffectivelyEntitled' });
  }
  steps.push({ name: 'EntrySynchronizationScoping', type: 'Scoping', status: 'Success', description: 'The user is in scope.', details: {} });
  const out = provisionUser(ctx, job, src);
  steps.push({
    name: 'EntryMatching',
    type: 'Matching',
    status: 'Success',
    description: out.action === 'create' || out.action === 'failed' ? `No matching user found in ${target.name}` : `Matched ${out.targetId}`,
    details: {},
  });
  if (out.action === 'failed') {
    steps.push({ name: 'EntryExportAdd', type: 'Export', status: 'Failure', description: out.error.reason, details: { errorCode: out.error.errorCode } });
    writeLog(ctx, job, { action: 'create', status: 'failure', sourceUser: src, targetUserId: '', cycleId, onDemand: true, error: out.error });
    return answer('Failure', 'Create', { errorCode: out.error.errorCode, errorMessage: out.error.reason });
  }
  if (out.action === 'none') {
    steps.push({ name: 'EntryExport', type: 'Export', status: 'Skipped', description: 'The target user is already up to date.', details: {} });
    return answer('Skipped', 'Other', { errorCode: 'RedundantExport' }, out.targetId);
  }
  steps.push({
    name: EXPORT_STEP[out.action] ?? 'EntryExport',
    type: 'Export',
    status: 'Success',
    description: `User ${out.action}d in ${target.name}`,
    details: { targetId: out.targetId },
  });
  writeLog(ctx, job, { action: out.action, status: 'success', sourceUser: src, targetUserId: out.targetId, cycleId, modified: out.modified, onDemand: true });
  return answer('Success', out.action === 'create' ? 'Create' : out.action === 'update' ? 'Update' : 'Disable', {}, out.targetId);
}
