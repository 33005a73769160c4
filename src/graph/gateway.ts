import { GraphClientFactory, type GraphClientOptions, type GraphLog, type TenantGraph } from './client';
import { JobBatchReader, type BatchJobResult, type JobKey } from './batch';
import { Directory, type SignInActivity } from './directory';
import { DoctorReads, type BotPermissions } from './doctorReads';
import { SyncJobs, type DeletionThreshold, type JobRef, type ProvisionSubject } from './jobs';
import { KeyedLimiter } from '../domain/rateLimit';
import { ProvisioningLogs, type ProvisioningLogQuery, type StagedCycle } from './logs';
import { PartnerPolicies, type PolicyReads } from './policy';
import type { ProvisionOnDemandResult } from './provisionResult';
import { DirectoryRoles } from './roles';
import type {
  AppRoleAssignment,
  DefaultAccessPolicy,
  DirectoryAudit,
  DirectoryGroup,
  DirectoryObject,
  DirectoryUser,
  PartnerIdentitySync,
  PartnerPolicy,
  ProvisioningLogEntry,
  ServicePrincipal,
  SyncJob,
  SyncSchema,
} from './schemas';
import { SyncScope, type EnsureAssignedResult, type PrincipalType } from './scope';
import { TargetRiskReads, type DynamicGroupFacts, type RoleHolder } from './targetRisk';
import { WhyReads, type MembershipGroup, type TargetContact, type TargetUser } from './whyReads';

/**
 * Everything services may ask of Microsoft Graph, keyed by tenant id. Services depend on this interface
 * only, so a test can hand them a fake that fails on purpose.
 *
 * Errors: GraphError (Graph said no; `status`, `code`, `requestId`, `isNotFound`, `isThrottled`),
 * GraphOutcomeUnknownError (a write that may or may not have happened: read before retrying),
 * GraphResponseInvalidError (Graph's answer failed validation), GraphInputError (refused before sending).
 */
export interface CtsGraph {
  /** Tenants without a usable credential (checked at start-up; no network). */
  credentialProblems(): { tenantId: string; problem: string }[];
  /** Start-up: one token per tenant with a real credential; the tenants whose token fails, and why. */
  tokenProblems?(): Promise<{ tenantId: string; reason: string; message: string; definitive: boolean }[]>;
  // jobs
  listJobs(tenantId: string, servicePrincipalId: string): Promise<SyncJob[]>;
  getJob(ref: JobRef): Promise<SyncJob>;
  /** Many jobs of one tenant through $batch (≤ 20 per request); one result per key, in order. */
  getJobs(tenantId: string, keys: JobKey[]): Promise<BatchJobResult[]>;
  /** Writes answer with Graph's `request-id` when it sent one. */
  startJob(ref: JobRef): Promise<{ requestId?: string }>;
  pauseJob(ref: JobRef): Promise<{ requestId?: string }>;
  /** resetScope: Graph's comma-separated string, e.g. 'ForceDeletes', 'Watermark, Escrows, QuarantineState'. */
  /** Full / ConnectorDataStore are refused (GraphInputError) unless `supportApproved`. */
  restartJob(ref: JobRef, resetScope: string, opts?: { supportApproved?: boolean }): Promise<{ requestId?: string }>;
  getSchema(ref: JobRef): Promise<SyncSchema>;
  userRuleId(ref: JobRef): Promise<string>;
  /** Waits under 5 calls / 10 s per tenant (Graph counts them across all its jobs); `onQueued(n)` tells how many calls are ahead. */
  provisionOnDemand(
    ref: JobRef,
    subjects: ProvisionSubject[],
    opts?: { ruleId?: string; onQueued?: (ahead: number) => void },
  ): Promise<ProvisionOnDemandResult>;
  provisionQueueLength(ref: JobRef): number;
  deletionThreshold(tenantId: string, servicePrincipalId: string): Promise<DeletionThreshold>;
  // scope
  servicePrincipal(tenantId: string, servicePrincipalId: string): Promise<ServicePrincipal>;
  accessRoleId(tenantId: string, servicePrincipalId: string): Promise<string>;
  listAssignments(tenantId: string, servicePrincipalId: string): Promise<AppRoleAssignment[]>;
  assign(tenantId: string, servicePrincipalId: string, principalId: string, type?: PrincipalType): Promise<AppRoleAssignment>;
  unassign(tenantId: string, servicePrincipalId: string, assignmentId: string): Promise<void>;
  ensureAssigned(tenantId: string, servicePrincipalId: string, principalId: string, type?: PrincipalType): Promise<EnsureAssignedResult>;
  ensureUnassigned(tenantId: string, servicePrincipalId: string, principalId: string): Promise<{ removed: number; requestId?: string }>;
  // directory
  getUser(tenantId: string, idOrUpn: string): Promise<DirectoryUser | null>;
  usersByMail(tenantId: string, mail: string): Promise<DirectoryUser[]>;
  /** Id, UPN or mail as typed by an admin. */
  findUser(tenantId: string, text: string): Promise<DirectoryUser | null>;
  usersStartingWith(tenantId: string, prefix: string, top?: number): Promise<DirectoryUser[]>;
  getGroup(tenantId: string, groupId: string): Promise<DirectoryGroup | null>;
  findGroups(tenantId: string, idOrName: string): Promise<DirectoryGroup[]>;
  groupsStartingWith(tenantId: string, prefix: string, top?: number): Promise<DirectoryGroup[]>;
  groupMembers(tenantId: string, groupId: string): Promise<DirectoryObject[]>;
  groupTransitiveMembers(tenantId: string, groupId: string): Promise<DirectoryObject[]>;
  groupMemberCount(tenantId: string, groupId: string): Promise<number>;
  userCount(tenantId: string): Promise<number>;
  /** `$select=signInActivity` (needs AuditLog.Read.All; 403 without it). Null when the user does not exist. */
  signInActivity(tenantId: string, userId: string): Promise<SignInActivity | null>;
  // roles
  /** Throws GraphPermissionMissingError when Graph hides roleTemplateId (RoleManagement.Read.Directory missing). */
  roleTemplateIds(tenantId: string, userId: string): Promise<string[]>;
  /** Start-up probe: null when roles can be read with their template ids, else the problem in words. */
  roleReadProblem?(tenantId: string): Promise<string | null>;
  groupIdsOf(tenantId: string, userId: string): Promise<string[]>;
  // logs
  provisioningLogs(tenantId: string, query: ProvisioningLogQuery): Promise<ProvisioningLogEntry[]>;
  /** Every staged deletion/disable of the newest cycle that has any (paged). */
  stagedInLatestCycle?(tenantId: string, query: { jobId: string; since?: Date }): Promise<StagedCycle>;
  // policy
  partnerPolicy(tenantId: string, partnerTenantId: string): Promise<PartnerPolicy | null>;
  identitySyncPolicy(tenantId: string, partnerTenantId: string): Promise<PartnerIdentitySync | null>;
  /** The doctor's three policy reads of one partner in one tenant (partner, identity sync, defaults) in one $batch. */
  policyReads?(tenantId: string, partnerTenantId: string): Promise<PolicyReads>;
  /** The default cross-tenant access settings partners inherit (optional so older fakes still type-check). */
  defaultAccessPolicy?(tenantId: string): Promise<DefaultAccessPolicy>;
  // doctor (optional so older fakes still type-check; the doctor reports a missing read as "could not check")
  /** Null when the bot's app has no service principal in the tenant. */
  botPermissions?(tenantId: string, appId: string): Promise<BotPermissions | null>;
  validateSavedCredentials?(ref: JobRef): Promise<{ valid: boolean; message?: string }>;
  syncAll?(tenantId: string, servicePrincipalId: string): Promise<boolean | null>;
  dynamicGroups?(tenantId: string): Promise<{ name: string; rule: string }[]>;
  // risk signals of add requests (optional so older fakes still type-check; a missing read is "not checked")
  /** Users holding one of the role template ids, directly or through a role-assignable group. */
  roleHolders?(tenantId: string, templateIds: ReadonlySet<string>): Promise<RoleHolder[]>;
  /** Dynamic groups with their rules, app assignments and directory roles. */
  dynamicGroupFacts?(tenantId: string): Promise<DynamicGroupFacts[]>;
  /** The attributes dynamic rules commonly test, by lower-case Graph name. */
  userAttributes?(tenantId: string, userId: string): Promise<Record<string, string | boolean | null>>;
  // why (optional like doctor's: a fake without them makes `why` say "could not check")
  /** Direct (`memberOf`) or transitive groups of a user; directory roles left out. */
  memberOf?(tenantId: string, userId: string, transitive: boolean): Promise<MembershipGroup[]>;
  /** One source user's provisioning-log entries for a job since a date, newest first (under the 5 per 10 s limit). */
  userProvisioningLogs?(
    tenantId: string,
    q: { jobId: string; userId: string; since: Date; top?: number; maxPages?: number },
  ): Promise<{ entries: ProvisioningLogEntry[]; complete: boolean }>;
  usersWithAddress?(tenantId: string, address: string): Promise<TargetUser[]>;
  contactsWithAddress?(tenantId: string, address: string): Promise<TargetContact[]>;
  /** Directory audit records of `category` since `since` (drift alerts name who changed a setting). */
  directoryAudits?(tenantId: string, query: { category: string; since: Date }): Promise<DirectoryAudit[]>;
}

interface TenantRooms {
  jobs: SyncJobs;
  scope: SyncScope;
  directory: Directory;
  roles: DirectoryRoles;
  logs: ProvisioningLogs;
  policy: PartnerPolicies;
  batch: JobBatchReader;
  doctor: DoctorReads;
  targetRisk: TargetRiskReads;
  why: WhyReads;
}

export interface GraphGatewayOptions extends GraphClientOptions {
  /** Concurrent $batch requests per getJobs call. */
  batchConcurrency?: number;
}

export class GraphGateway implements CtsGraph {
  readonly factory: GraphClientFactory;
  private readonly rooms = new Map<string, TenantRooms>();
  private readonly podLimiter: KeyedLimiter;
  private readonly logLimiter: KeyedLimiter;

  constructor(private readonly options: GraphGatewayOptions) {
    this.factory = new GraphClientFactory(options);
    this.podLimiter = new KeyedLimiter(5, 10_000, this.factory.time);
    this.logLimiter = new KeyedLimiter(5, 10_000, this.factory.time);
  }

  /** The tenant-bound modules, for callers that want one tenant's rooms directly. */
  tenant(tenantId: string): TenantRooms {
    const key = tenantId.toLowerCase();
    let r = this.rooms.get(key);
    if (!r) {
      const g: TenantGraph = this.factory.forTenant(key);
      r = {
        jobs: new SyncJobs(g, this.podLimiter),
        scope: new SyncScope(g),
        directory: new Directory(g),
        roles: new DirectoryRoles(g),
        logs: new ProvisioningLogs(g, this.logLimiter.for(key)),
        policy: new PartnerPolicies(g),
        batch: new JobBatchReader(g, this.factory.retry, this.factory.time, this.options.batchConcurrency),
        doctor: new DoctorReads(g),
        targetRisk: new TargetRiskReads(g),
        why: new WhyReads(g),
      };
      this.rooms.set(key, r);
    }
    return r;
  }

  credentialProblems = () => this.factory.credentialProblems();
  tokenProblems = () => this.factory.tokenProblems();
  listJobs = (t: string, sp: string) => this.tenant(t).jobs.list(sp);
  getJob = (ref: JobRef) => this.tenant(ref.tenantId).jobs.get(ref);
  getJobs = (t: string, keys: JobKey[]) => this.tenant(t).batch.getJobs(keys);
  startJob = (ref: JobRef) => this.tenant(ref.tenantId).jobs.start(ref);
  pauseJob = (ref: JobRef) => this.tenant(ref.tenantId).jobs.pause(ref);
  restartJob = (ref: JobRef, resetScope: string, opts?: { supportApproved?: boolean }) => this.tenant(ref.tenantId).jobs.restart(ref, resetScope, opts);
  getSchema = (ref: JobRef) => this.tenant(ref.tenantId).jobs.schema(ref);
  userRuleId = (ref: JobRef) => this.tenant(ref.tenantId).jobs.userRuleId(ref);
  provisionOnDemand = (ref: JobRef, subjects: ProvisionSubject[], opts?: { ruleId?: string; onQueued?: (ahead: number) => void }) =>
    this.tenant(ref.tenantId).jobs.provisionOnDemand(ref, subjects, opts);
  provisionQueueLength = (ref: JobRef) => this.tenant(ref.tenantId).jobs.provisionQueueLength(ref);
  deletionThreshold = (t: string, sp: string) => this.tenant(t).jobs.deletionThreshold(sp);

  servicePrincipal = (t: string, sp: string) => this.tenant(t).scope.servicePrincipal(sp);
  accessRoleId = (t: string, sp: string) => this.tenant(t).scope.accessRoleId(sp);
  listAssignments = (t: string, sp: string) => this.tenant(t).scope.listAssignments(sp);
  assign = async (t: string, sp: string, principalId: string, type?: PrincipalType) => (await this.tenant(t).scope.assign(sp, principalId, type)).assignment;
  unassign = async (t: string, sp: string, assignmentId: string): Promise<void> => {
    await this.tenant(t).scope.unassign(sp, assignmentId);
  };
  ensureAssigned = (t: string, sp: string, principalId: string, type?: PrincipalType) => this.tenant(t).scope.ensureAssigned(sp, principalId, type);
  ensureUnassigned = (t: string, sp: string, principalId: string) => this.tenant(t).scope.ensureUnassigned(sp, principalId);

  getUser = (t: string, idOrUpn: string) => this.tenant(t).directory.user(idOrUpn);
  usersByMail = (t: string, mail: string) => this.tenant(t).directory.usersByMail(mail);
  findUser = (t: string, text: string) => this.tenant(t).directory.findUser(text);
  usersStartingWith = (t: string, prefix: string, top?: number) => this.tenant(t).directory.usersStartingWith(prefix, top);
  getGroup = (t: string, id: string) => this.tenant(t).directory.group(id);
  findGroups = (t: string, idOrName: string) => this.tenant(t).directory.findGroups(idOrName);
  groupsStartingWith = (t: string, prefix: string, top?: number) => this.tenant(t).directory.groupsStartingWith(prefix, top);
  groupMembers = (t: string, id: string) => this.tenant(t).directory.groupMembers(id);
  groupTransitiveMembers = (t: string, id: string) => this.tenant(t).directory.groupTransitiveMembers(id);
  groupMemberCount = (t: string, id: string) => this.tenant(t).directory.groupMemberCount(id);
  userCount = (t: string) => this.tenant(t).directory.userCount();
  signInActivity = (t: string, userId: string) => this.tenant(t).directory.signInActivity(userId);

  roleTemplateIds = (t: string, userId: string) => this.tenant(t).roles.roleTemplateIds(userId);
  roleReadProblem = (t: string) => this.tenant(t).roles.roleReadProblem();
  groupIdsOf = (t: string, userId: string) => this.tenant(t).roles.groupIds(userId);

  provisioningLogs = (t: string, q: ProvisioningLogQuery) => this.tenant(t).logs.forJob(q);
  stagedInLatestCycle = (t: string, q: { jobId: string; since?: Date }) => this.tenant(t).logs.stagedInLatestCycle(q);

  partnerPolicy = (t: string, partner: string) => this.tenant(t).policy.partner(partner);
  identitySyncPolicy = (t: string, partner: string) => this.tenant(t).policy.identitySynchronization(partner);
  defaultAccessPolicy = (t: string) => this.tenant(t).policy.defaults();
  policyReads = (t: string, partner: string) => this.tenant(t).policy.partnerReads(this.tenant(t).batch, partner);

  botPermissions = (t: string, appId: string) => this.tenant(t).doctor.botPermissions(appId);
  validateSavedCredentials = (ref: JobRef) => this.tenant(ref.tenantId).doctor.validateSavedCredentials(ref);
  syncAll = (t: string, sp: string) => this.tenant(t).doctor.syncAll(sp);
  dynamicGroups = (t: string) => this.tenant(t).doctor.dynamicGroups();

  roleHolders = (t: string, templateIds: ReadonlySet<string>) => this.tenant(t).targetRisk.roleHolders(templateIds);
  dynamicGroupFacts = (t: string) => this.tenant(t).targetRisk.dynamicGroups();
  userAttributes = (t: string, userId: string) => this.tenant(t).targetRisk.userAttributes(userId);
  memberOf = (t: string, userId: string, transitive: boolean) => this.tenant(t).why.memberOf(userId, transitive);
  userProvisioningLogs = (t: string, q: { jobId: string; userId: string; since: Date; top?: number; maxPages?: number }) => this.tenant(t).logs.forUser(q);
  usersWithAddress = (t: string, address: string) => this.tenant(t).why.usersWithAddress(address);
  contactsWithAddress = (t: string, address: string) => this.tenant(t).why.contactsWithAddress(address);
  directoryAudits = (t: string, q: { category: string; since: Date }) => this.tenant(t).doctor.directoryAudits(q.category, q.since);
}

/**
 * The composition root's entry: a gateway for every tenant of the estate. Loopback tenants (the simulator)
 * get a static token; others a credential per tenant from `env` (default process.env).
 */
export function createCtsGraph(
  estate: { tenants: { id: string; graphBaseUrl?: string }[] },
  opts: { logger?: GraphLog } & Omit<GraphGatewayOptions, 'tenants' | 'log'> = {},
): CtsGraph {
  const { logger, ...rest } = opts;
  return new GraphGateway({ ...rest, tenants: estate.tenants, log: logger });
}
