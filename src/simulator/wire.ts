import { NEVER, USER_RULE_ID, USER_RULE_NAME, type SimGroup, type SimJob, type SimUser, type TaskExecution, type DirectoryRole } from './model';

/** Graph v1.0 JSON for the model's objects. */

/** Graph's /users answers carry no @odata.type; member lists (mixed types) do, via `typed`. */
export function userJson(u: SimUser): Record<string, unknown> {
  return {
    id: u.id,
    userPrincipalName: u.userPrincipalName,
    displayName: u.displayName,
    givenName: u.givenName,
    surname: u.surname,
    mail: u.mail,
    userType: u.userType,
    creationType: u.creationType ?? (u.userType === 'Guest' ? 'Invitation' : null),
    externalUserState: u.externalUserState ?? (u.userType === 'Guest' ? 'Accepted' : null),
    accountEnabled: u.accountEnabled,
    department: u.department,
    jobTitle: u.jobTitle,
    createdDateTime: u.createdDateTime,
  };
}

export function groupJson(g: SimGroup): Record<string, unknown> {
  return {
    id: g.id,
    displayName: g.displayName,
    description: g.description,
    mailEnabled: g.mailEnabled,
    securityEnabled: g.securityEnabled,
    groupTypes: g.groupTypes,
    mail: g.mail,
    mailNickname: g.mailNickname,
    isAssignableToRole: g.isAssignableToRole,
    createdDateTime: g.createdDateTime,
    ...(g.groupTypes.includes('DynamicMembership') ? { membershipRule: g.membershipRule ?? null, membershipRuleProcessingState: 'On' } : {}),
  };
}

export function directoryRoleJson(r: DirectoryRole): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.directoryRole',
    id: r.id,
    displayName: r.displayName,
    description: r.description,
    roleTemplateId: r.roleTemplateId,
  };
}

/** Every counter of a task execution, at zero: the start of any execution record. */
export const ZERO_COUNTS = {
  countEntitled: 0,
  countEntitledForProvisioning: 0,
  countEscrowed: 0,
  countEscrowedRaw: 0,
  countExported: 0,
  countExports: 0,
  countImported: 0,
  countImportedDeltas: 0,
  countImportedReferenceDeltas: 0,
} as const;

const EMPTY_EXECUTION: TaskExecution = {
  activityIdentifier: null,
  ...ZERO_COUNTS,
  // A job that never ran shows Failed with error code None (reference §2).
  error: { code: 'None', message: '', tenantActionable: false },
  state: 'Failed',
  timeBegan: NEVER,
  timeEnded: NEVER,
};

export function jobJson(job: SimJob, troubleshootingBase: string): Record<string, unknown> {
  const q = job.quarantine;
  return {
    id: job.id,
    templateId: 'Azure2Azure',
    schedule: { expiration: null, interval: 'PT40M', state: job.scheduleState },
    synchronizationJobSettings: [
      { name: 'AzureIngestionAttributeOptimization', value: 'False' },
      { name: 'LookaheadQueryEnabled', value: 'False' },
    ],
    status: {
      code: job.code,
      countSuccessiveCompleteFailures: job.countSuccessiveCompleteFailures,
      escrowsPruned: job.escrowsPruned,
      lastExecution: job.lastExecution ?? EMPTY_EXECUTION,
      lastSuccessfulExecution: job.lastSuccessfulExecution ?? EMPTY_EXECUTION,
      lastSuccessfulExecutionWithExports: job.lastSuccessfulExecutionWithExports ?? EMPTY_EXECUTION,
      progress: job.lastExecution
        ? [
            {
              completedUnits: job.lastExecution.countImported,
              totalUnits: job.lastExecution.countImported,
              units: 'Objects',
              progressObservationDateTime: job.progressObservation,
            },
          ]
        : [],
      quarantine: q
        ? { currentBegan: q.currentBegan, nextAttempt: q.nextAttempt, reason: q.reason, seriesBegan: q.seriesBegan, seriesCount: q.seriesCount, error: q.error }
        : null,
      steadyStateFirstAchievedTime: job.steadyStateFirstAchievedTime,
      steadyStateLastAchievedTime: job.steadyStateLastAchievedTime,
      synchronizedEntryCountByType: [{ key: 'User to User', value: job.links.size }],
      // Graph sends an empty string, not null, when there is nothing to troubleshoot.
      troubleshootingUrl: q ? `${troubleshootingBase}/troubleshoot/${encodeURIComponent(job.id)}` : '',
    },
  };
}

/** One attributeMapping in its documented shape (synchronization-attributemapping), as the CTS template has it. */
function mapping(
  type: 'Attribute' | 'Constant' | 'Function',
  name: string,
  expression: string,
  target: string,
  flowType = 'Always',
  matchingPriority = 0,
): Record<string, unknown> {
  return {
    defaultValue: null,
    exportMissingReferences: false,
    flowBehavior: 'FlowWhenChanged',
    flowType,
    matchingPriority,
    source: { expression, name, parameters: [], type },
    targetAttributeName: target,
  };
}

export function schemaJson(job: SimJob): Record<string, unknown> {
  // A schema PUT through Graph replaces the template's, as Graph keeps the customized schema per job.
  if (job.schema) return { ...job.schema, id: job.id };
  return {
    id: job.id,
    version: 'Date:2024-01-01T00:00:00Z',
    synchronizationRules: [
      {
        id: USER_RULE_ID,
        name: USER_RULE_NAME,
        priority: 1,
        sourceDirectoryName: 'Azure Active Directory',
        targetDirectoryName: 'Azure Active Directory (target tenant)',
        metadata: [
          { key: 'defaultSourceObjectMappings', value: '[]' },
          { key: 'supportsProvisionOnDemand', value: 'true' },
        ],
        editable: true,
        containerFilter: { includedContainers: [] },
        groupFilter: { includedGroups: [] },
        objectMappings: [
          {
            name: 'Provision Microsoft Entra ID Users',
            enabled: true,
            flowTypes: 'Add,Update,Delete',
            sourceObjectName: 'User',
            targetObjectName: 'User',
            metadata: [],
            scope: null,
            attributeMappings: [
              mapping('Attribute', 'objectId', '[objectId]', 'alternativeSecurityIds', 'Always', 1),
              mapping('Attribute', 'displayName', '[displayName]', 'displayName'),
              mapping('Attribute', 'mail', '[mail]', 'mail'),
              mapping('Constant', 'Member', '"Member"', 'userType'),
              mapping('Function', 'CBool', 'CBool("true")', 'showInAddressList'),
            ],
          },
        ],
      },
    ],
    directories: [],
  };
}

export function typed(type: 'user' | 'group' | 'directoryRole', body: Record<string, unknown>): Record<string, unknown> {
  return { '@odata.type': `#microsoft.graph.${type}`, ...body };
}
