import type { SyncConfiguration } from '../config';
import { systemClock, type Clock } from '../domain/clock';
import {
  explain,
  nextCycle,
  read,
  unread,
  type Read,
  type WhyFacts,
  type WhyGroup,
  type WhyJob,
  type WhyLogEntry,
  type WhyReport,
  type WhyScope,
  type WhyTargetObject,
  type WhyUser,
} from '../domain/why';
import { GraphError, GraphPermissionMissingError } from '../graph/errors';
import type { CtsGraph } from '../graph/gateway';
import type { DirectoryUser, ProvisioningLogEntry } from '../graph/schemas';
import type { Configurations } from './configurations';
import { mapRead } from './doctor';

/** The permission each read needs (LM permission tables); named on the card when Graph answers 403. */
const NEEDS = {
  user: 'User.Read.All',
  scope: 'Application.Read.All and GroupMember.Read.All',
  job: 'Synchronization.Read.All',
  logs: 'AuditLog.Read.All and Directory.Read.All',
  users: 'User.Read.All',
  contacts: 'OrgContact.Read.All (or Directory.Read.All)',
} as const;

/** How far back the provisioning logs are read. */
export const WHY_LOG_DAYS = 7;
/** Pages of the job's log read at most for one user (each waits its turn under 5 per 10 s per tenant). */
const LOG_PAGES = 3;

export type WhyOutcome =
  | { kind: 'report'; report: WhyReport; config: string; user: WhyUser }
  | { kind: 'unknownUser'; text: string; tenant: string }
  | { kind: 'userUnreadable'; reason: string };

/** Gathers what `why` rests on, in parallel where the reads are independent; a failed read is a row, never a crash. */
export class WhyService {
  constructor(
    private readonly configs: Configurations,
    private readonly graph: CtsGraph,
    private readonly clock: Pick<Clock, 'now'> = systemClock,
  ) {}

  async explain(config: SyncConfiguration, userText: string): Promise<WhyOutcome> {
    const S = config.sourceTenantId;
    const T = config.targetTenantId;
    const found = await this.attempt(S, NEEDS.user, () => this.graph.findUser(S, userText));
    if (!found.ok) return { kind: 'userUnreadable', reason: found.reason };
    if (!found.value) return { kind: 'unknownUser', text: userText, tenant: this.configs.tenantName(S) };
    const user = toUser(found.value);
    const ref = this.configs.jobRef(config);
    const jobRead = ref.then((r) => this.graph.getJob(r));
    const since = new Date(this.clock.now() - WHY_LOG_DAYS * 86_400_000);
    const addresses = [...new Set([user.mail, user.userPrincipalName].filter((a): a is string => !!a && !a.includes('#EXT#')).map((a) => a.toLowerCase()))];

    const [scope, job, logs, target, userTypeAlways] = await Promise.all([
      this.attempt(S, NEEDS.scope, () => this.scope(config, user.id)),
      this.attempt(S, NEEDS.job, async () => toJob(await jobRead)),
      this.attempt(S, NEEDS.logs, async () => {
        if (!this.graph.userProvisioningLogs) throw new Error('this build cannot read provisioning logs by user');
        const r = await ref;
        const answer = await this.graph.userProvisioningLogs(S, { jobId: r.jobId, userId: user.id, since, top: 10, maxPages: LOG_PAGES });
        return answer.entries.map(toEntry);
      }),
      this.targetObjects(T, addresses),
      this.attempt(S, NEEDS.job, async () => {
        const mappings = mapRead(read(await this.graph.getSchema(await ref)));
        if (!mappings.ok) throw new Error(mappings.reason);
        const m = mappings.value.find((x) => x.target.toLowerCase() === 'usertype');
        if (!m) return null;
        return m.sourceType === 'Constant' && (m.source ?? '').replace(/"/g, '').toLowerCase() === 'member' && (m.flow ?? 'Always') === 'Always';
      }),
    ]);
    const facts: WhyFacts = {
      config: config.name,
      sourceName: this.configs.tenantName(S),
      targetName: this.configs.tenantName(T),
      user,
      scope,
      job,
      logs,
      target,
      userTypeAlways,
    };
    return { kind: 'report', report: explain(facts), config: config.name, user };
  }

  /** For the pre-filled request form: the user's UPN, read again from the source (button data carries the id only). */
  async userPrincipalName(config: SyncConfiguration, userId: string): Promise<string | null> {
    const u = await this.graph.getUser(config.sourceTenantId, userId).catch(() => null);
    return u?.userPrincipalName ?? null;
  }

  /** Assigned directly, through an assigned group it is a direct member of, or only through nesting. */
  private async scope(config: SyncConfiguration, userId: string): Promise<WhyScope> {
    const S = config.sourceTenantId;
    if (!this.graph.memberOf) throw new Error('this build cannot read group memberships');
    const [assignments, direct, transitive] = await Promise.all([
      this.graph.listAssignments(S, config.servicePrincipalId),
      this.graph.memberOf(S, userId, false),
      this.graph.memberOf(S, userId, true),
    ]);
    const id = userId.toLowerCase();
    const assignedGroups = new Map(
      assignments
        .filter((a) => (a.principalType ?? '').toLowerCase() === 'group')
        .map((a) => [a.principalId.toLowerCase(), a.principalDisplayName ?? a.principalId]),
    );
    const group = (g: { id: string; displayName: string | null }): WhyGroup => ({
      id: g.id,
      name: g.displayName ?? assignedGroups.get(g.id.toLowerCase()) ?? g.id,
    });
    const directIds = new Set(direct.map((g) => g.id.toLowerCase()));
    return {
      direct: assignments.some((a) => a.principalId.toLowerCase() === id),
      groups: direct.filter((g) => assignedGroups.has(g.id.toLowerCase())).map(group),
      nestedOnly: transitive.filter((g) => assignedGroups.has(g.id.toLowerCase()) && !directIds.has(g.id.toLowerCase())).map(group),
    };
  }

  /** Users and contacts in the target holding the user's mail or UPN; either read failing makes the row "could not check". */
  private async targetObjects(T: string, addresses: string[]): Promise<Read<WhyTargetObject[]>> {
    const usersWith = this.graph.usersWithAddress?.bind(this.graph);
    const contactsWith = this.graph.contactsWithAddress?.bind(this.graph);
    if (!usersWith || !contactsWith) return unread('this build cannot look up target users and contacts');
    const [users, contacts] = await Promise.all([
      this.attempt(T, NEEDS.users, async () => (await Promise.all(addresses.map((a) => usersWith(T, a)))).flat()),
      this.attempt(T, NEEDS.contacts, async () => (await Promise.all(addresses.map((a) => contactsWith(T, a).then((cs) => cs.map((c) => ({ c, a })))))).flat()),
    ]);
    if (!users.ok) return users;
    if (!contacts.ok) return contacts;
    const out = new Map<string, WhyTargetObject>();
    for (const u of users.value) {
      out.set(u.id.toLowerCase(), {
        kind: 'user',
        id: u.id,
        displayName: u.displayName ?? u.id,
        userPrincipalName: u.userPrincipalName ?? null,
        mail: u.mail ?? null,
        userType: u.userType ?? null,
        externalUserState: u.externalUserState ?? null,
      });
    }
    for (const { c, a } of contacts.value) {
      const proxy = (c.proxyAddresses ?? []).find((p) => p.toLowerCase() === `smtp:${a}`) ?? null;
      out.set(c.id.toLowerCase(), {
        kind: 'contact',
        id: c.id,
        displayName: c.displayName ?? c.id,
        userPrincipalName: null,
        mail: c.mail ?? null,
        userType: null,
        externalUserState: null,
        proxyAddress: proxy,
      });
    }
    return read([...out.values()]);
  }

  private async attempt<T>(tenantId: string, permission: string, fn: () => Promise<T>): Promise<Read<T>> {
    try {
      return read(await fn());
    } catch (e) {
      const tenant = this.configs.tenantName(tenantId);
      if ((e instanceof GraphError && e.status === 403) || e instanceof GraphPermissionMissingError) return unread(`needs ${permission} in ${tenant}`);
      if (e instanceof GraphError && e.status === 401) return unread(`the bot has no valid token for ${tenant}`);
      return unread(e instanceof Error ? e.message.replace(/\.$/, '') : String(e));
    }
  }
}

function toUser(u: DirectoryUser): WhyUser {
  return {
    id: u.id,
    userPrincipalName: u.userPrincipalName ?? u.id,
    displayName: u.displayName ?? u.userPrincipalName ?? u.id,
    mail: u.mail ?? null,
    userType: u.userType ?? null,
    creationType: u.creationType ?? null,
    externalUserState: u.externalUserState ?? null,
    accountEnabled: u.accountEnabled ?? null,
  };
}

function toJob(j: Awaited<ReturnType<CtsGraph['getJob']>>): WhyJob {
  const q = j.status.quarantine as { reason?: string | null; error?: { code?: string | null; message?: string | null } | null } | null;
  return {
    code: j.status.code ?? null,
    scheduleState: j.schedule?.state ?? null,
    quarantineReason: q?.reason ?? null,
    quarantineMessage: q?.error?.message ?? null,
    nextRun: nextCycle(j.status.lastExecution?.timeEnded ?? null, j.schedule?.interval ?? null),
  };
}

function toEntry(e: ProvisioningLogEntry): WhyLogEntry {
  const steps = e.provisioningSteps ?? [];
  const failed = steps.find((s) => !['success', ''].includes((s.status ?? '').toLowerCase()));
  const info = e.provisioningStatusInfo?.errorInformation;
  const stepCode =
    failed && typeof failed.details === 'object' && failed.details
      ? ((failed.details as Record<string, unknown>).errorCode ?? (failed.details as Record<string, unknown>).ScopeEvaluationResult)
      : undefined;
  return {
    at: e.activityDateTime ?? '',
    action: e.provisioningAction ?? 'other',
    status: e.provisioningStatusInfo?.status ?? 'unknown',
    step: failed
      ? { name: failed.name ?? '', type: failed.provisioningStepType ?? '', status: failed.status ?? '', description: failed.description ?? '' }
      : null,
    errorCode: info?.errorCode ?? (typeof stepCode === 'string' ? stepCode : null),
    reason: info?.reason ?? null,
    targetId: e.targetIdentity?.id || null,
  };
}
