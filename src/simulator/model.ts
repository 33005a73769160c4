/** The simulator's in-memory directory and sync state. Wire shapes are produced from these in wire.ts. */

export const NEVER = '0001-01-01T00:00:00Z';
export const MSIAM_ACCESS_ROLE_ID = '7dfd756e-8c27-4472-b2b7-38c17fc5de5e';
export const CTS_APP_TEMPLATE_ID = '518e5f48-1fc8-4c48-9387-9fdf28b0dfe7';
/** The CTS user rule: its id is GUID-like, USER_INBOUND_USER is its name (CTS Graph guide, step 11). */
export const USER_RULE_ID = '6c409270-f78a-4bc6-af23-7cf3ab6482fe';
export const USER_RULE_NAME = 'USER_INBOUND_USER';
/** A second, unrelated app role the gallery app carries (value null too). */
export const USER_ROLE_ID = '18d14569-c3bd-439b-9a66-3a2aee01d14f';
/** A job still quarantined after this long is disabled by the service (reference §10). */
export const QUARANTINE_DISABLE_MS = 28 * 86400_000;

export interface SimUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string;
  surname: string;
  mail: string | null;
  userType: 'Member' | 'Guest';
  /** 'Invitation' for B2B users (kept after a guest is converted to a member). */
  creationType?: string | null;
  /** PendingAcceptance / Accepted for B2B users; null for internal ones. */
  externalUserState?: string | null;
  accountEnabled: boolean;
  department: string | null;
  jobTitle: string | null;
  createdDateTime: string;
  /** Set on B2B users created by a CTS job: the object in the source tenant they mirror. */
  syncedFrom?: { tenantId: string; userId: string; jobId: string };
  /** A B2B guest invited from this source user: CTS matches it instead of creating a new user (targetConflicts.ts). */
  invitedFrom?: { tenantId: string; userId: string };
}

/** An organizational contact (orgContact): read-only in Graph, here only to stand in a synced user's way. */
export interface SimContact {
  id: string;
  displayName: string;
  mail: string | null;
  proxyAddresses: string[];
}

export interface SimGroup {
  id: string;
  displayName: string;
  description: string | null;
  mailEnabled: boolean;
  securityEnabled: boolean;
  groupTypes: string[];
  mail: string | null;
  mailNickname: string;
  isAssignableToRole: boolean;
  createdDateTime: string;
  /** Dynamic groups only (groupTypes has DynamicMembership). */
  membershipRule?: string | null;
  /** Direct members: user or group ids. */
  members: string[];
}

export interface DirectoryRole {
  id: string;
  roleTemplateId: string;
  displayName: string;
  description: string;
}

export interface RoleAssignment {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
}

export interface AppRoleAssignment {
  id: string;
  principalId: string;
  principalType: 'User' | 'Group';
  principalDisplayName: string;
  resourceId: string;
  resourceDisplayName: string;
  appRoleId: string;
  createdDateTime: string;
}

export interface AppRole {
  id: string;
  /** null on the CTS gallery app: msiam_access is the displayName. */
  value: string | null;
  displayName: string;
  description: string;
  allowedMemberTypes: string[];
  isEnabled: boolean;
  origin: string;
}

export interface ServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  appRoles: AppRole[];
  assignments: AppRoleAssignment[];
  secrets: Map<string, string>;
  jobIds: string[];
}

export interface PartnerPolicy {
  tenantId: string;
  automaticUserConsentSettings: { inboundAllowed: boolean | null; outboundAllowed: boolean | null };
  identitySynchronization: { tenantId: string; displayName: string; userSyncInbound: { isSyncAllowed: boolean } } | null;
}

export interface TaskExecution {
  activityIdentifier: string | null;
  countEntitled: number;
  countEntitledForProvisioning: number;
  countEscrowed: number;
  countEscrowedRaw: number;
  countExported: number;
  countExports: number;
  countImported: number;
  countImportedDeltas: number;
  countImportedReferenceDeltas: number;
  error: { code: string; message: string; tenantActionable: boolean } | null;
  state: 'Succeeded' | 'Failed' | 'EntryLevelErrors';
  timeBegan: string;
  timeEnded: string;
}

export type QuarantineReason =
  | 'EncounteredBaseEscrowThreshold'
  | 'EncounteredTotalEscrowThreshold'
  | 'EncounteredEscrowProportionThreshold'
  | 'EncounteredQuarantineException'
  | 'Unknown'
  | 'QuarantinedOnDemand'
  | 'TooManyDeletes'
  | 'IngestionInterrupted';

export interface Quarantine {
  currentBegan: string;
  nextAttempt: string;
  reason: QuarantineReason;
  seriesBegan: string;
  seriesCount: number;
  error: { code: string; message: string; tenantActionable: boolean } | null;
  /** Set through the control API: only restart/start lifts it, a clean cycle does not. */
  sticky: boolean;
}

export interface SimJob {
  id: string;
  servicePrincipalId: string;
  sourceTenantId: string;
  targetTenantId: string;
  scheduleState: 'Active' | 'Paused' | 'Disabled';
  code: 'NotConfigured' | 'NotRun' | 'Active' | 'Paused' | 'Quarantine';
  quarantine: Quarantine | null;
  /** Set by PUT .../schema; absent = the template's schema (wire.ts schemaJson). */
  schema?: Record<string, unknown>;
  credentialsValid: boolean;
  /** restart ForceDeletes: the next cycle applies deletions even above the threshold. */
  forceDeletes: boolean;
  countSuccessiveCompleteFailures: number;
  escrowsPruned: boolean;
  lastExecution: TaskExecution | null;
  lastSuccessfulExecution: TaskExecution | null;
  lastSuccessfulExecutionWithExports: TaskExecution | null;
  steadyStateFirstAchievedTime: string;
  steadyStateLastAchievedTime: string;
  progressObservation: string;
  /** source user id -> target user id */
  links: Map<string, string>;
  cycles: number;
  /** Source users whose out-of-scope skip is already logged (the log says it once, not every cycle). */
  skipsLogged?: Set<string>;
}

export interface ProvisioningLog {
  id: string;
  activityDateTime: string;
  tenantId: string;
  jobId: string;
  cycleId: string;
  changeId: string;
  /** StagedAction: a held-back disable, as the portal shows it (reference §3). */
  provisioningAction: 'create' | 'update' | 'delete' | 'disable' | 'stagedDelete' | 'StagedAction' | 'other';
  durationInMilliseconds: number;
  initiatedBy: { id: string; displayName: string; initiatorType: 'user' | 'application' | 'system' };
  servicePrincipal: { id: string; displayName: string };
  sourceSystem: { id: string; displayName: string; details: Record<string, string> };
  targetSystem: { id: string; displayName: string; details: Record<string, string> };
  sourceIdentity: { id: string; displayName: string; identityType: string; details: Record<string, string> };
  targetIdentity: { id: string; displayName: string; identityType: string; details: Record<string, string> };
  modifiedProperties: { displayName: string; oldValue: string | null; newValue: string | null }[];
  provisioningSteps: { name: string; provisioningStepType: string; status: string; description: string; details: Record<string, string> }[];
  provisioningStatusInfo: {
    status: 'success' | 'warning' | 'failure' | 'skipped';
    errorInformation: { errorCode: string; reason: string; additionalDetails: string; errorCategory: string; recommendedAction: string } | null;
  };
}

export interface SimTenant {
  id: string;
  name: string;
  domain: string;
  users: Map<string, SimUser>;
  groups: Map<string, SimGroup>;
  directoryRoles: Map<string, DirectoryRole>;
  roleAssignments: Map<string, RoleAssignment>;
  servicePrincipals: Map<string, ServicePrincipal>;
  partners: Map<string, PartnerPolicy>;
  provisioningLogs: ProvisioningLog[];
  /** Graph permissions taken from the bot's app in this tenant through the control API (see botApp.ts). */
  botRevoked?: Set<string>;
  /** Directory audit records (policy changes), newest last. */
  directoryAudits?: Record<string, unknown>[];
  /** Organizational contacts (GET /contacts). */
  contacts?: Map<string, SimContact>;
}

export interface SimConfiguration {
  name: string;
  sourceTenantId: string;
  targetTenantId: string;
  servicePrincipalId: string;
  jobId: string;
}

export interface SimWorld {
  homeTenantId: string;
  tenants: Map<string, SimTenant>;
  jobs: Map<string, SimJob>;
  configurations: SimConfiguration[];
}

export function emptyTenant(id: string, name: string, domain: string): SimTenant {
  return {
    id,
    name,
    domain,
    users: new Map(),
    groups: new Map(),
    directoryRoles: new Map(),
    roleAssignments: new Map(),
    servicePrincipals: new Map(),
    partners: new Map(),
    provisioningLogs: [],
  };
}

export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
