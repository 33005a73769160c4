import { iso, type ProvisioningLog, type SimJob, type SimUser } from './model';
import { jobParts, type EngineContext } from './engineContext';

/** The provisioning log: one entry per object an engine step touched, shaped as Graph's provisioningObjectSummary. */

export interface LogInput {
  action: ProvisioningLog['provisioningAction'];
  status: ProvisioningLog['provisioningStatusInfo']['status'];
  sourceUser: SimUser;
  targetUserId: string;
  cycleId: string;
  modified?: ProvisioningLog['modifiedProperties'];
  error?: { errorCode: string; reason: string };
  onDemand?: boolean;
}

/** Out of scope: the entry stops at the scoping step (the docs' skipped entries carry no matching or export step). */
function skippedAtScoping(input: LogInput): boolean {
  return input.status === 'skipped' && input.error?.errorCode === 'NotEffectivelyEntitled';
}

/** Export step names by action, as in the docs' examples (EntryExportAdd, EntryExportUpdate…). */
export const EXPORT_STEP: Partial<Record<string, string>> = {
  create: 'EntryExportAdd',
  update: 'EntryExportUpdate',
  delete: 'EntryExportDelete',
  disable: 'EntryExportUpdate',
};

export function writeLog(ctx: EngineContext, job: SimJob, input: LogInput): ProvisioningLog {
  const { source, target, sp } = jobParts(ctx, job);
  const ok = input.status === 'success';
  const step = (name: string, type: string, status: string, description: string) => ({
    name,
    provisioningStepType: type,
    status,
    description,
    details: {} as Record<string, string>,
  });
  const held = input.action === 'stagedDelete' || input.action === 'StagedAction';
  const exportDescription = held
    ? `The ${input.sourceUser.userPrincipalName} ${input.action === 'StagedAction' ? 'disable' : 'deletion'} was held back: the accidental deletion threshold was exceeded`
    : `User '${input.sourceUser.userPrincipalName}' ${input.action} in ${target.name}`;
  const log: ProvisioningLog = {
    id: ctx.ids.guid(),
    activityDateTime: iso(ctx.clock.now()),
    tenantId: source.id,
    jobId: job.id,
    cycleId: input.cycleId,
    changeId: ctx.ids.guid(),
    provisioningAction: input.action,
    durationInMilliseconds: 40 + ctx.ids.int(400),
    initiatedBy: input.onDemand
      ? { id: '', displayName: 'Provision on demand', initiatorType: 'application' }
      : { id: '', displayName: 'Azure AD Provisioning Service', initiatorType: 'system' },
    servicePrincipal: { id: sp.id, displayName: sp.displayName },
    sourceSystem: { id: source.id, displayName: `Microsoft Entra ID (${source.name})`, details: {} },
    targetSystem: { id: target.id, displayName: `Microsoft Entra ID (${target.name})`, details: {} },
    sourceIdentity: { id: input.sourceUser.id, displayName: input.sourceUser.displayName, identityType: 'User', details: {} },
    targetIdentity: { id: input.targetUserId, displayName: input.sourceUser.displayName, identityType: 'User', details: {} },
    modifiedProperties: input.modified ?? [],
    provisioningSteps: skippedAtScoping(input)
      ? [
          step('EntryImport', 'import', 'success', `Retrieved ${input.sourceUser.userPrincipalName} from ${source.name}`),
          {
            ...step('EntrySynchronizationScoping', 'scoping', 'skipped', `${input.sourceUser.userPrincipalName} is not in scope: ${input.error!.reason}`),
            details: { ScopeEvaluationResult: 'NotEffectivelyEntitled' },
          },
        ]
      : [
          // Lower-case step types, as in the CTS guide's provisioning-log example.
          step('EntryImport', 'import', 'success', `Retrieved ${input.sourceUser.userPrincipalName} from ${source.name}`),
          step('EntrySynchronizationScoping', 'scoping', input.action === 'delete' || held ? 'skipped' : 'success', 'Determined scope'),
          step('EntryMatching', 'matching', 'success', input.targetUserId ? `Matched target user ${input.targetUserId}` : 'No matching user in the target'),
          input.status === 'failure' && input.error
            ? { ...step(EXPORT_STEP[input.action] ?? 'EntryExport', 'export', 'failure', input.error.reason), details: { errorCode: input.error.errorCode } }
            : step(EXPORT_STEP[input.action] ?? 'EntryExport', 'export', ok ? 'success' : input.status, exportDescription),
        ],
    provisioningStatusInfo: {
      status: input.status,
      errorInformation: input.error ? { ...input.error, additionalDetails: '', errorCategory: 'NonServiceFailure', recommendedAction: '' } : null,
    },
  };
  source.provisioningLogs.push(log);
  return log;
}
