export { GraphGateway, createCtsGraph, type CtsGraph, type GraphGatewayOptions } from './gateway';
export { GraphClientFactory, TenantGraph, type GraphTenant, type GraphClientOptions, type GraphLog } from './client';
export { GraphError, GraphOutcomeUnknownError, GraphResponseInvalidError, GraphInputError, GraphPermissionMissingError } from './errors';
export { odataString, isGuid } from './odata';
export { DEFAULT_RETRY, type RetrySettings } from './retry';
export { credentialForTenant, type CredentialEnv, type CredentialKind } from './credentials';
export { parseProvisionOnDemand, type ProvisionOnDemandResult, type ProvisionStep, type ProvisionOutcome } from './provisionResult';
export {
  parseDeletionThreshold,
  pickUserRule,
  RESET_SCOPES,
  CTS_USER_RULE,
  DEFAULT_DELETE_THRESHOLD,
  type JobRef,
  type ProvisionSubject,
  type DeletionThreshold,
  type ResetScope,
} from './jobs';
export { CTS_ACCESS_ROLE, pickAccessRole, type EnsureAssignedResult, type PrincipalType } from './scope';
export { BATCH_LIMIT, type BatchJobResult, type JobKey } from './batch';
export { isStaged, type ProvisioningLogQuery, type ProvisioningAction, type ProvisioningStatus, type StagedCycle } from './logs';
export { ROLE_READ_PERMISSION } from './roles';
export * from './schemas';
export { type BotPermissions } from './doctorReads';
export { GRAPH_PERMISSIONS, permissionNeeds, SIMULATOR_BOT_APP_ID } from './permissions';
