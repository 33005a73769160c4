import { z } from 'zod';
import type * as MicrosoftGraph from '@microsoft/microsoft-graph-types';

/**
 * Boundary validation of every Graph answer (shapes from reference/graph-sync.md). Objects pass unknown
 * fields through: Graph adds properties without notice and that must not break the bot. The types the
 * rest of the app uses are the parsed (output) types below.
 */

/** Graph's "never" is `0001-01-01T00:00:00Z`; we say null. Unparseable dates are null too, not a crash. */
export const graphDate = z
  .string()
  .nullish()
  .transform((v): string | null => {
    if (!v || v.startsWith('0001-01-01')) return null;
    return Number.isNaN(Date.parse(v)) ? null : v;
  });

/** Int64 may be serialised as a string by some services. */
const int64 = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^-?\d+$/)
      .transform(Number),
  ])
  .nullish()
  .transform((v) => v ?? null);

const optString = z
  .string()
  .nullish()
  .transform((v) => v ?? null);

export const SyncErrorSchema = z.object({ code: optString, message: optString, tenantActionable: z.boolean().nullish() }).passthrough();

export const TaskExecutionSchema = z
  .object({
    activityIdentifier: optString,
    countEntitled: int64,
    countEntitledForProvisioning: int64,
    countEscrowed: int64,
    countEscrowedRaw: int64,
    countExported: int64,
    countExports: int64,
    countImported: int64,
    countImportedDeltas: int64,
    countImportedReferenceDeltas: int64,
    error: SyncErrorSchema.nullish(),
    state: optString,
    timeBegan: graphDate,
    timeEnded: graphDate,
  })
  .passthrough();
export type TaskExecution = z.output<typeof TaskExecutionSchema>;

/** The Entra quarantine article spells it `QuarantineOnDemand`; Graph's enum says `QuarantinedOnDemand`. */
const quarantineReason = z
  .string()
  .nullish()
  .transform((v) => (v === 'QuarantineOnDemand' ? 'QuarantinedOnDemand' : (v ?? null)));

export const QuarantineSchema = z
  .object({
    currentBegan: graphDate,
    nextAttempt: graphDate,
    reason: quarantineReason,
    seriesBegan: graphDate,
    seriesCount: int64,
    error: SyncErrorSchema.nullish(),
  })
  .passthrough();
export type Quarantine = z.output<typeof QuarantineSchema>;

export const ProgressSchema = z.object({ completedUnits: int64, totalUnits: int64, units: optString, progressObservationDateTime: graphDate }).passthrough();

const KeyValue = z.object({ key: z.string(), value: z.union([z.string(), z.number()]).nullish() }).passthrough();

export const SyncStatusSchema = z
  .object({
    code: z.string(),
    countSuccessiveCompleteFailures: int64,
    escrowsPruned: z.boolean().nullish(),
    lastExecution: TaskExecutionSchema.nullish().transform((v) => v ?? null),
    lastSuccessfulExecution: TaskExecutionSchema.nullish().transform((v) => v ?? null),
    lastSuccessfulExecutionWithExports: TaskExecutionSchema.nullish().transform((v) => v ?? null),
    progress: z
      .array(ProgressSchema)
      .nullish()
      .transform((v) => v ?? []),
    quarantine: QuarantineSchema.nullish().transform((v) => v ?? null),
    steadyStateFirstAchievedTime: graphDate,
    steadyStateLastAchievedTime: graphDate,
    synchronizedEntryCountByType: z
      .array(KeyValue)
      .nullish()
      .transform((v) => v ?? []),
    troubleshootingUrl: optString,
  })
  .passthrough();
export type SyncStatus = z.output<typeof SyncStatusSchema>;
export type SyncStatusCode = 'NotConfigured' | 'NotRun' | 'Active' | 'Paused' | 'Quarantine';

export const ScheduleSchema = z.object({ expiration: graphDate, interval: optString, state: optString }).passthrough();

export const SyncJobSchema = z
  .object({
    id: z.string().min(1),
    templateId: optString,
    schedule: ScheduleSchema.nullish().transform((v) => v ?? null),
    status: SyncStatusSchema,
    synchronizationJobSettings: z
      .array(z.object({ name: z.string(), value: z.string().nullish() }).passthrough())
      .nullish()
      .transform((v) => v ?? []),
  })
  .passthrough();
export type SyncJob = z.output<typeof SyncJobSchema>;

export const SyncRuleSchema = z
  .object({
    id: z.string(),
    name: optString,
    sourceDirectoryName: optString,
    targetDirectoryName: optString,
    metadata: z.array(z.object({ key: z.string(), value: z.string().nullish() }).passthrough()).nullish(),
  })
  .passthrough();
export const SyncSchemaSchema = z
  .object({
    id: optString,
    synchronizationRules: z
      .array(SyncRuleSchema)
      .nullish()
      .transform((v) => v ?? []),
  })
  .passthrough();
export type SyncSchema = z.output<typeof SyncSchemaSchema>;

export const StringKeyStringValueSchema = z.object({ key: z.string().nullish(), value: z.string().nullish() }).passthrough();

export const SecretsSchema = z
  .object({
    value: z
      .array(z.object({ key: z.string(), value: z.string().nullish() }).passthrough())
      .nullish()
      .transform((v) => v ?? []),
  })
  .passthrough();

export const AppRoleSchema = z
  .object({
    id: z.string(),
    value: optString,
    displayName: optString,
    isEnabled: z.boolean().nullish(),
    allowedMemberTypes: z.array(z.string()).nullish(),
  })
  .passthrough();
export const ServicePrincipalSchema = z
  .object({
    id: z.string(),
    appId: optString,
    displayName: optString,
    appRoles: z
      .array(AppRoleSchema)
      .nullish()
      .transform((v) => v ?? []),
  })
  .passthrough();
export type ServicePrincipal = z.output<typeof ServicePrincipalSchema>;

export const AppRoleAssignmentSchema = z
  .object({
    id: z.string(),
    principalId: z.string(),
    principalType: optString,
    principalDisplayName: optString,
    resourceId: z.string(),
    appRoleId: z.string(),
    createdDateTime: graphDate,
  })
  .passthrough();
export type AppRoleAssignment = z.output<typeof AppRoleAssignmentSchema>;

export const DirectoryUserSchema = z
  .object({
    id: z.string(),
    displayName: optString,
    userPrincipalName: optString,
    mail: optString,
    accountEnabled: z.boolean().nullish(),
    userType: optString,
    /** 'Invitation' for a user invited through B2B, even after conversion to a member. */
    creationType: optString,
    /** PendingAcceptance / Accepted for B2B users (guests and external members); null for internal users. */
    externalUserState: optString,
  })
  .passthrough();
export type DirectoryUser = z.output<typeof DirectoryUserSchema>;

export const DirectoryGroupSchema = z
  .object({
    id: z.string(),
    displayName: optString,
    mail: optString,
    securityEnabled: z.boolean().nullish(),
    isAssignableToRole: z.boolean().nullish(),
  })
  .passthrough();
export type DirectoryGroup = z.output<typeof DirectoryGroupSchema>;

/** A member of a group or a transitiveMemberOf entry: a user, group, device, role… told apart by @odata.type. */
export const DirectoryObjectSchema = z
  .object({
    '@odata.type': z.string().nullish(),
    id: z.string(),
    displayName: optString,
    userPrincipalName: optString,
    userType: optString,
    creationType: optString,
    externalUserState: optString,
    roleTemplateId: optString,
  })
  .passthrough();
export type DirectoryObject = z.output<typeof DirectoryObjectSchema>;

const IdentitySchema = z.object({ id: optString, displayName: optString, identityType: optString, details: z.unknown().optional() }).passthrough();

export const ProvisioningLogEntrySchema = z
  .object({
    id: z.string(),
    activityDateTime: graphDate,
    tenantId: optString,
    jobId: optString,
    cycleId: optString,
    changeId: optString,
    provisioningAction: optString,
    durationInMilliseconds: int64,
    servicePrincipal: z.object({ id: optString, displayName: optString }).passthrough().nullish(),
    sourceIdentity: IdentitySchema.nullish(),
    targetIdentity: IdentitySchema.nullish(),
    modifiedProperties: z.array(z.object({ displayName: optString, oldValue: optString, newValue: optString }).passthrough()).nullish(),
    provisioningSteps: z
      .array(
        z
          .object({ name: optString, provisioningStepType: optString, status: optString, description: optString, details: z.unknown().optional() })
          .passthrough(),
      )
      .nullish()
      .transform((v) => v ?? []),
    provisioningStatusInfo: z
      .object({
        status: optString,
        errorInformation: z
          .object({ errorCode: optString, reason: optString, additionalDetails: optString, errorCategory: optString, recommendedAction: optString })
          .passthrough()
          .nullish(),
      })
      .passthrough()
      .nullish(),
  })
  .passthrough();
export type ProvisioningLogEntry = z.output<typeof ProvisioningLogEntrySchema>;

export const PartnerPolicySchema = z
  .object({
    tenantId: z.string(),
    isServiceProvider: z.boolean().nullish(),
    automaticUserConsentSettings: z.object({ inboundAllowed: z.boolean().nullish(), outboundAllowed: z.boolean().nullish() }).passthrough().nullish(),
  })
  .passthrough();
export type PartnerPolicy = z.output<typeof PartnerPolicySchema>;

/** crossTenantAccessPolicyB2BSetting.usersAndGroups (crossTenantAccessPolicyTargetConfiguration). */
const B2BSettingSchema = z
  .object({
    usersAndGroups: z
      .object({ accessType: optString, targets: z.array(z.object({ target: optString, targetType: optString }).passthrough()).nullish() })
      .passthrough()
      .nullish(),
  })
  .passthrough()
  .nullish();

/** crossTenantAccessPolicyConfigurationDefault (GET /policies/crossTenantAccessPolicy/default): what partners inherit. */
export const DefaultAccessPolicySchema = z.object({ isServiceDefault: z.boolean().nullish(), b2bCollaborationInbound: B2BSettingSchema }).passthrough();
export type DefaultAccessPolicy = z.output<typeof DefaultAccessPolicySchema>;

export const PartnerIdentitySyncSchema = z
  .object({
    tenantId: optString,
    displayName: optString,
    userSyncInbound: z.object({ isSyncAllowed: z.boolean().nullish() }).passthrough().nullish(),
  })
  .passthrough();
export type PartnerIdentitySync = z.output<typeof PartnerIdentitySyncSchema>;

export const BatchResponseSchema = z
  .object({
    responses: z.array(
      z.object({ id: z.string(), status: z.number().int(), headers: z.record(z.string()).nullish(), body: z.unknown().optional() }).passthrough(),
    ),
  })
  .passthrough();

/** A collection page: `value[]` plus an optional nextLink. */
export function pageOf<T extends z.ZodTypeAny>(item: T) {
  return z
    .object({
      value: z.array(item),
      '@odata.nextLink': z
        .string()
        .nullish()
        .transform((v) => v ?? undefined),
    })
    .passthrough();
}

/** directoryAudit (LM directoryaudit-get): who changed what in the directory; doctor's drift reads policy changes. */
export const DirectoryAuditSchema = z
  .object({
    id: z.string(),
    category: optString,
    activityDisplayName: optString,
    activityDateTime: z.string(),
    result: optString,
    initiatedBy: z
      .object({
        user: z.object({ id: z.string().nullish(), displayName: z.string().nullish(), userPrincipalName: z.string().nullish() }).passthrough().nullish(),
        app: z.object({ appId: z.string().nullish(), displayName: z.string().nullish(), servicePrincipalId: z.string().nullish() }).passthrough().nullish(),
      })
      .passthrough()
      .nullish(),
    targetResources: z
      .array(
        z
          .object({
            id: z.string().nullish(),
            displayName: z.string().nullish(),
            type: z.string().nullish(),
            modifiedProperties: z
              .array(z.object({ displayName: z.string().nullish(), oldValue: z.string().nullish(), newValue: z.string().nullish() }).passthrough())
              .nullish(),
          })
          .passthrough(),
      )
      .nullish(),
  })
  .passthrough();
export type DirectoryAudit = z.output<typeof DirectoryAuditSchema>;

/**
 * Compile-time check against the documented type (@microsoft/microsoft-graph-types): the fields the drift alert reads
 * keep the documented names and types. Nullable fields Graph documents as non-null are read as optional.
 */
type Documented<T, K extends keyof T> = { [P in K]: NonNullable<T[P]> | null | undefined };
export type DirectoryAuditMatchesDocs =
  DirectoryAudit extends Documented<MicrosoftGraph.DirectoryAudit, 'id' | 'activityDateTime' | 'category' | 'activityDisplayName'> ? true : never;
export const directoryAuditMatchesDocs: DirectoryAuditMatchesDocs = true;
