import type { SyncConfiguration } from '../config';
import {
  checkCredentials,
  checkDynamicGroups,
  checkJob,
  checkNestedGroups,
  checkPermissions,
  checkScopeMode,
  checkShowInAddressList,
  checkThreshold,
  checkToken,
  checkUserType,
  countByStatus,
  read,
  unread,
  worstStatus,
  type CheckStatus,
  type Finding,
  type JobView,
  type MappingView,
  type Read,
} from '../domain/doctor';
import { checkSourcePolicy, checkTargetPolicy, type PartnerPolicyView } from '../domain/doctorPolicy';
import { mappingsHash, type DoctorInputs } from '../domain/doctorInputs';
import { GraphError, GraphPermissionMissingError } from '../graph/errors';
import type { CtsGraph } from '../graph/gateway';
import { permissionNeeds } from '../graph/permissions';
import { systemClock, type Clock } from '../domain/clock';
import type { DefaultAccessPolicy, PartnerIdentitySync, PartnerPolicy, SyncJob, SyncSchema } from '../graph/schemas';
import type { Configurations } from './configurations';

/** One configuration's findings and the inputs the verdict rests on (for drift, later). */
export interface ConfigDiagnosis {
  config: string;
  route: string;
  findings: Finding[];
  worst: CheckStatus;
  inputs: DoctorInputs | null;
}

export interface DoctorReport {
  configurations: ConfigDiagnosis[];
  worst: CheckStatus;
  counts: Record<CheckStatus, number>;
}

export interface DoctorOptions {
  /** The bot's application (client) id as registered in that tenant; undefined = unknown (the permission check says so). */
  botAppId(tenantId: string): string | undefined;
  /** Per read; a slow read becomes "could not check" instead of holding the card. Default 20 s. */
  readTimeoutMs?: number;
  /** Timers for the per-read timeout (the bot's one clock). */
  clock?: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
  /** Group member lists read at once (Graph's per-app limits). Default 4. */
  concurrency?: number;
}

/** Which permission each read needs, for the "could not check" sentence. */
const READ_PERMISSION = {
  policy: 'Policy.Read.All',
  job: 'Synchronization.ReadWrite.All',
  scope: 'Application.Read.All',
  groups: 'GroupMember.Read.All',
  self: 'Application.Read.All',
} as const;

/**
 * Runs the doctor's checks: reads what each configuration depends on from Graph (in parallel, each read
 * timed out on its own, tenant-wide reads shared between configurations), then hands them to the pure checks.
 */
export class Doctor {
  private readonly timeoutMs: number;
  private readonly clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
  private readonly concurrency: number;

  constructor(
    private readonly configs: Configurations,
    private readonly graph: CtsGraph,
    private readonly opts: DoctorOptions,
  ) {
    this.timeoutMs = opts.readTimeoutMs ?? 20_000;
    this.clock = opts.clock ?? systemClock;
    this.concurrency = Math.max(1, opts.concurrency ?? 4);
  }

  /** `names` undefined = every configuration. Never throws for Graph trouble: it is in the findings. */
  async run(names?: readonly string[]): Promise<DoctorReport> {
    const chosen = names ? this.configs.all.filter((c) => names.some((n) => n.toLowerCase() === c.name.toLowerCase())) : this.configs.all;
    const shared = new Map<string, Promise<Read<unknown>>>();
    const configurations = await Promise.all(chosen.map((c) => this.diagnose(c, shared)));
    const all = configurations.flatMap((c) => c.findings);
    return { configurations, worst: worstStatus(all), counts: countByStatus(all) };
  }

  private name(tenantId: string): string {
    return this.configs.tenantName(tenantId);
  }

  /** A read as a Read<T>: the value, or why it could not be made, in words for the card. */
  private attempt<T>(tenantId: string, permission: string, fn: () => Promise<T>): Promise<Read<T>> {
    return new Promise<Read<T>>((resolve) => {
      let done = false;
      const timer = this.clock.setTimeout(() => {
        if (!done) {
          done = true;
          resolve(unread(`no answer from Graph in ${this.name(tenantId)} within ${Math.round(this.timeoutMs / 1000)} s`));
        }
      }, this.timeoutMs);
      const finish = (r: Read<T>) => {
        if (done) return;
        done = true;
        this.clock.clearTimeout(timer);
        resolve(r);
      };
      fn().then(
        (v) => finish(read(v)),
        (e: unknown) => finish(unread(this.reason(e, tenantId, permission))),
      );
    });
  }

  private reason(e: unknown, tenantId: string, permission: string): string {
    const tenant = this.name(tenantId);
    if (e instanceof GraphError && e.status === 403) return `no ${permission} in ${tenant} (Graph answered 403)`;
    if (e instanceof GraphPermissionMissingError) return `no ${permission} in ${tenant}`;
    if (e instanceof GraphError && e.status === 401) return `the bot has no valid token for ${tenant}`;
    if (e instanceof Error) return e.message.replace(/\.$/, '');
    return String(e);
  }

  private sharedRead<T>(shared: Map<string, Promise<Read<unknown>>>, key: string, make: () => Promise<Read<T>>): Promise<Read<T>> {
    let p = shared.get(key);
    if (!p) {
      p = make();
      shared.set(key, p);
    }
    return p as Promise<Read<T>>;
  }

  private tenantFindings(tenantId: string, role: 'source' | 'target', shared: Map<string, Promise<Read<unknown>>>): Promise<Finding[]> {
    return this.sharedRead(shared, `tenant|${tenantId}|${role}`, async () => read(await this.tenantChecks(tenantId, role))).then((r) => (r.ok ? r.value : []));
  }

  /** Token and permissions for one tenant in one role (source and target need different permissions). */
  private async tenantChecks(tenantId: string, role: 'source' | 'target'): Promise<Finding[]> {
    const tenant = this.name(tenantId);
    const appId = this.opts.botAppId(tenantId);
    const needs = permissionNeeds(role);
    if (!appId || !this.graph.botPermissions) {
      const why = appId
        ? "this build cannot read the bot's own permissions"
        : "the bot's application id is not configured (credential.clientId in CTS_CONFIG or AZURE_CLIENT_ID)";
      return [checkPermissions(tenant, needs, unread(why))];
    }
    const perms = await this.attempt(tenantId, READ_PERMISSION.self, () => this.graph.botPermissions!(tenantId, appId));
    const signedIn: Read<true> = perms.ok || !/no valid token|could not be reached|no answer/i.test(perms.reason) ? read(true) : unread(perms.reason);
    const granted: Read<readonly string[]> = !perms.ok
      ? perms
      : perms.value
        ? read(perms.value.granted)
        : unread(`the bot's app (${appId}) has no service principal in ${tenant}: it was never consented there`);
    return [checkToken(tenant, signedIn), checkPermissions(tenant, needs, granted)];
  }

  private async diagnose(config: SyncConfiguration, shared: Map<string, Promise<Read<unknown>>>): Promise<ConfigDiagnosis> {
    const src = config.sourceTenantId;
    const tgt = config.targetTenantId;
    const S = this.name(src);
    const T = this.name(tgt);
    const g = this.graph;

    const jobRef = this.attempt(src, READ_PERMISSION.job, () => this.configs.jobRef(config));
    const [srcTenant, tgtTenant, targetPolicies, sourcePartner, threshold, syncAll, assignments, dynamicRules] = await Promise.all([
      this.tenantFindings(src, 'source', shared),
      this.tenantFindings(tgt, 'target', shared),
      this.targetPolicies(tgt, src),
      this.attempt(src, READ_PERMISSION.policy, () => g.partnerPolicy(src, tgt)),
      this.attempt(src, READ_PERMISSION.job, () => g.deletionThreshold(src, config.servicePrincipalId)),
      g.syncAll
        ? this.attempt(src, READ_PERMISSION.job, () => g.syncAll!(src, config.servicePrincipalId))
        : Promise.resolve(unread<boolean | null>('this build cannot read the scope setting')),
      this.attempt(src, READ_PERMISSION.scope, () => g.listAssignments(src, config.servicePrincipalId)),
      g.dynamicGroups
        ? this.sharedRead(shared, `dyn|${tgt}`, () => this.attempt(tgt, READ_PERMISSION.groups, () => g.dynamicGroups!(tgt)))
        : Promise.resolve(unread<{ name: string; rule: string }[]>('this build cannot list dynamic groups')),
    ]);

    const ref = await jobRef;
    const [job, credentials, schema] = ref.ok
      ? await Promise.all([
          this.attempt(src, READ_PERMISSION.job, () => g.getJob(ref.value)),
          g.validateSavedCredentials
            ? this.attempt(src, READ_PERMISSION.job, () => g.validateSavedCredentials!(ref.value))
            : Promise.resolve(unread<{ valid: boolean; message?: string }>('this build cannot validate credentials')),
          this.attempt(src, READ_PERMISSION.job, () => g.getSchema(ref.value)),
        ])
      : [unread<SyncJob>(ref.reason), unread<{ valid: boolean }>(ref.reason), unread<SyncSchema>(ref.reason)];

    const { partner: targetPartner, sync: targetSync } = targetPolicies;
    // A partner without its own B2B collaboration settings inherits the target's defaults (read in the same $batch).
    const tp = targetPartner.ok ? mapPartnerView(targetPartner.value) : null;
    let inherited: Read<'allowed' | 'blocked' | null> | undefined;
    if (targetPartner.ok && !tp?.b2bInboundAccess) {
      if (targetPolicies.defaults) inherited = targetPolicies.defaults.ok ? read(accessOf(targetPolicies.defaults.value)) : targetPolicies.defaults;
      else if (g.defaultAccessPolicy)
        inherited = await this.sharedRead(shared, `default|${tgt}`, () =>
          this.attempt(tgt, READ_PERMISSION.policy, async () => accessOf(await g.defaultAccessPolicy!(tgt))),
        );
    }
    const groups = assignments.ok ? assignments.value.filter((a) => a.principalType === 'Group') : [];
    const members = await this.groupMembers(
      src,
      groups.map((a) => ({ id: a.principalId, name: a.principalDisplayName ?? a.principalId })),
    );
    const mappings = mapRead(schema);
    const jobView = mapJob(job, ref.ok);

    const findings: Finding[] = [
      ...srcTenant,
      ...tgtTenant,
      ...checkTargetPolicy(
        T,
        S,
        mapPartner(targetPartner),
        targetSync.ok ? read(targetSync.value ? { isSyncAllowed: targetSync.value.userSyncInbound?.isSyncAllowed ?? null } : null) : targetSync,
        inherited,
      ),
      ...checkSourcePolicy(S, T, mapPartner(sourcePartner)),
      ...checkJob(config.name, S, jobView),
      checkCredentials(config.name, S, credentials),
      checkThreshold(config.name, S, threshold),
      checkScopeMode(config.name, S, syncAll),
      checkNestedGroups(config.name, S, members.ok ? read(members.value.map((m) => ({ name: m.name, nestedGroups: m.nestedGroups }))) : members),
      checkUserType(config.name, S, mappings),
      checkShowInAddressList(config.name, S, mappings),
      checkDynamicGroups(config.name, S, T, mappings, dynamicRules),
    ];

    let inputs: DoctorInputs | null = null;
    if (targetPartner.ok && targetSync.ok && sourcePartner.ok && threshold.ok && syncAll.ok && mappings.ok && assignments.ok && members.ok) {
      // The access the partner ends up with: its own setting, else the inherited default (when it could be read).
      const b2bInboundAccess = tp?.b2bInboundAccess ?? (inherited?.ok ? inherited.value : null);
      inputs = {
        policies: {
          target: {
            exists: !!targetPartner.value,
            isSyncAllowed: targetSync.value?.userSyncInbound?.isSyncAllowed ?? null,
            inboundAllowed: tp?.inboundAllowed ?? null,
            b2bInboundAccess,
          },
          source: { exists: !!sourcePartner.value, outboundAllowed: sourcePartner.value?.automaticUserConsentSettings?.outboundAllowed ?? null },
        },
        threshold: { enabled: threshold.value.enabled, value: threshold.value.value },
        syncAll: syncAll.value,
        schemaMappingHash: mappingsHash(mappings.value),
        assignedGroupCount: groups.length,
        scopeSize: assignments.value.filter((a) => a.principalType === 'User').length + members.value.reduce((n, m) => n + m.users, 0),
      };
    }
    return { config: config.name, route: this.configs.route(config), findings, worst: worstStatus(findings), inputs };
  }

  /**
   * The target's policy for the source: partner entry, identity sync policy and the defaults it may inherit, in one
   * $batch where the gateway can (else two separate reads, and the defaults later if needed).
   */
  private async targetPolicies(
    tgt: string,
    src: string,
  ): Promise<{ partner: Read<PartnerPolicy | null>; sync: Read<PartnerIdentitySync | null>; defaults?: Read<DefaultAccessPolicy> }> {
    const g = this.graph;
    if (!g.policyReads) {
      const [partner, sync] = await Promise.all([
        this.attempt(tgt, READ_PERMISSION.policy, () => g.partnerPolicy(tgt, src)),
        this.attempt(tgt, READ_PERMISSION.policy, () => g.identitySyncPolicy(tgt, src)),
      ]);
      return { partner, sync };
    }
    const all = await this.attempt(tgt, READ_PERMISSION.policy, () => g.policyReads!(tgt, src));
    if (!all.ok) return { partner: all, sync: all, defaults: all };
    const one = <T>(r: { ok: true; value: T } | { ok: false; error: unknown }): Read<T> =>
      r.ok ? read(r.value) : unread(this.reason(r.error, tgt, READ_PERMISSION.policy));
    return { partner: one(all.value.partner), sync: one(all.value.identitySync), defaults: one(all.value.defaults) };
  }

  /** Direct members of each assigned group: users count toward scope size, groups are nested (not synced). */
  private async groupMembers(tenantId: string, groups: { id: string; name: string }[]): Promise<Read<{ name: string; users: number; nestedGroups: number }[]>> {
    const out = new Array<{ name: string; users: number; nestedGroups: number }>(groups.length);
    let next = 0;
    let failure: string | null = null;
    const worker = async () => {
      while (next < groups.length && !failure) {
        const i = next++;
        const r = await this.attempt(tenantId, READ_PERMISSION.groups, () => this.graph.groupMembers(tenantId, groups[i].id));
        if (!r.ok) failure = r.reason;
        else {
          const nested = r.value.filter((m) => /group$/i.test(m['@odata.type'] ?? '')).length;
          out[i] = { name: groups[i].name, users: r.value.length - nested, nestedGroups: nested };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, groups.length) }, worker));
    return failure ? unread(failure) : read(out);
  }
}

function mapPartnerView(p: PartnerPolicy | null): PartnerPolicyView | null {
  if (!p) return null;
  // b2bCollaborationInbound: crossTenantAccessPolicyB2BSetting; null = inherits the default policy.
  const inbound = (p as { b2bCollaborationInbound?: { usersAndGroups?: { accessType?: string | null } | null } | null }).b2bCollaborationInbound;
  const access = inbound?.usersAndGroups?.accessType;
  return {
    inboundAllowed: p.automaticUserConsentSettings?.inboundAllowed ?? null,
    outboundAllowed: p.automaticUserConsentSettings?.outboundAllowed ?? null,
    b2bInboundAccess: access === 'blocked' || access === 'allowed' ? access : null,
  };
}

/** The default policy's B2B collaboration inbound access for users and groups; null when it says neither. */
function accessOf(p: DefaultAccessPolicy): 'allowed' | 'blocked' | null {
  const access = p.b2bCollaborationInbound?.usersAndGroups?.accessType;
  return access === 'allowed' || access === 'blocked' ? access : null;
}

function mapPartner(r: Read<PartnerPolicy | null>): Read<PartnerPolicyView | null> {
  return r.ok ? read(mapPartnerView(r.value)) : r;
}

function mapJob(r: Read<SyncJob>, refFound: boolean): Read<JobView | null> {
  if (!r.ok) return !refFound && /expected one Azure2Azure job/.test(r.reason) ? read(null) : r;
  const j = r.value as SyncJob & {
    status: { quarantine?: { reason?: string | null; error?: { code?: string | null; message?: string | null } | null } | null };
  };
  const q = j.status.quarantine;
  return read({
    templateId: j.templateId ?? null,
    scheduleState: j.schedule?.state ?? null,
    quarantine: q ? { reason: q.reason ?? null, errorCode: q.error?.code ?? null, message: q.error?.message ?? null } : null,
  });
}

interface RawMapping {
  targetAttributeName?: string;
  flowType?: string | null;
  source?: { type?: string | null; name?: string | null; expression?: string | null } | null;
}

/** The user rule's attribute mappings (USER_INBOUND_USER or the first rule whose objects are users). */
export function mapRead(r: Read<SyncSchema>): Read<MappingView[]> {
  if (!r.ok) return r;
  const rules = r.value.synchronizationRules as (SyncSchema['synchronizationRules'][number] & {
    objectMappings?: { sourceObjectName?: string; attributeMappings?: RawMapping[] }[];
  })[];
  const rule = rules.find((x) => x.id === 'USER_INBOUND_USER') ?? rules.find((x) => x.objectMappings?.some((m) => m.sourceObjectName === 'User')) ?? rules[0];
  if (!rule) return unread('the job has no synchronization rules');
  const objectMapping = rule.objectMappings?.find((m) => m.sourceObjectName === 'User') ?? rule.objectMappings?.[0];
  return read(
    (objectMapping?.attributeMappings ?? [])
      .filter((m): m is RawMapping & { targetAttributeName: string } => typeof m.targetAttributeName === 'string')
      .map((m) => ({
        target: m.targetAttributeName,
        sourceType: m.source?.type ?? null,
        source: m.source?.type === 'Constant' ? (m.source?.name ?? m.source?.expression ?? null) : (m.source?.expression ?? m.source?.name ?? null),
        flow: m.flowType ?? null,
      })),
  );
}
