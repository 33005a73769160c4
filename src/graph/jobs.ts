import { z } from 'zod';
import type { TenantGraph } from './client';
import { GraphError, GraphInputError, GraphResponseInvalidError } from './errors';
import type { KeyedLimiter } from '../domain/rateLimit';
import { guidSegment, jobIdSegment } from './odata';
import { parseProvisionOnDemand, type ProvisionOnDemandResult } from './provisionResult';
import { SecretsSchema, StringKeyStringValueSchema, SyncJobSchema, SyncSchemaSchema, type SyncJob, type SyncSchema } from './schemas';

/** A synchronization job as the gateway addresses it. `label` (the configuration name) only feeds messages. */
export interface JobRef {
  tenantId: string;
  servicePrincipalId: string;
  jobId: string;
  label?: string;
}

export interface ProvisionSubject {
  objectId: string;
  objectTypeName: 'User' | 'Group' | 'user' | 'Worker';
  /** For a group: up to 5 direct members. */
  members?: { objectId: string; objectTypeName: 'User' | 'user' }[];
}

export interface DeletionThreshold {
  enabled: boolean;
  /** When enabled without a value, the portal's default (DEFAULT_DELETE_THRESHOLD) and `defaulted: true`. */
  value: number | null;
  defaulted?: boolean;
  /** 'missing' when SyncNotificationSettings is absent, 'invalid' when it is not the JSON we expect. */
  source: 'secrets' | 'missing' | 'invalid';
}

export const RESET_SCOPES = ['None', 'ConnectorDataStore', 'Escrows', 'Watermark', 'QuarantineState', 'Full', 'ForceDeletes'] as const;
export type ResetScope = (typeof RESET_SCOPES)[number];

/** The portal's threshold when it is enabled without a value (ED cross-tenant-synchronization-configure, step 10). */
export const DEFAULT_DELETE_THRESHOLD = 500;

/** "Do not use without Microsoft Support" (restartcriteria): never sent unless the caller says Support asked for it. */
export const SUPPORT_ONLY_SCOPES: readonly ResetScope[] = ['ConnectorDataStore', 'Full'];
export const SUPPORT_ONLY_WARNING =
  'ConnectorDataStore (part of Full) clears the connector cache for all users; Microsoft says not to use it without Microsoft Support';

/** Preferred user rule for CTS, per the CTS Graph guide. */
export const CTS_USER_RULE = 'USER_INBOUND_USER';

const noBody = z.unknown();

export class SyncJobs {
  private readonly ruleIds = new Map<string, string>();

  constructor(
    private readonly g: TenantGraph,
    private readonly podLimiter: KeyedLimiter,
  ) {}

  private base(spId: string, op: string): string {
    return `/servicePrincipals/${guidSegment(spId, 'service principal id', op)}/synchronization`;
  }

  private jobPath(ref: JobRef, op: string): string {
    return `${this.base(ref.servicePrincipalId, op)}/jobs/${jobIdSegment(ref.jobId, op)}`;
  }

  async list(servicePrincipalId: string): Promise<SyncJob[]> {
    const op = `list the sync jobs of service principal ${servicePrincipalId}`;
    return this.g.getAll(`${this.base(servicePrincipalId, op)}/jobs`, SyncJobSchema, op);
  }

  async get(ref: JobRef): Promise<SyncJob> {
    const op = `read job ${name(ref)}`;
    return this.g.get(this.jobPath(ref, op), SyncJobSchema, op);
  }

  /** Writes answer with Graph's `request-id` (what Microsoft support asks for), kept in the audit record. */
  async start(ref: JobRef): Promise<{ requestId?: string }> {
    const op = `start job ${name(ref)}`;
    const answer = await this.g.call({ method: 'POST', path: `${this.jobPath(ref, op)}/start`, operation: op });
    return { requestId: answer.requestId };
  }

  async pause(ref: JobRef): Promise<{ requestId?: string }> {
    const op = `pause job ${name(ref)}`;
    const answer = await this.g.call({ method: 'POST', path: `${this.jobPath(ref, op)}/pause`, operation: op });
    return { requestId: answer.requestId };
  }

  /** `resetScope` is Graph's comma-separated string, e.g. 'ForceDeletes' or 'Watermark, Escrows, QuarantineState'; '' = portal restart. */
  async restart(ref: JobRef, resetScope: string, opts: { supportApproved?: boolean } = {}): Promise<{ requestId?: string }> {
    const op = `restart job ${name(ref)}${resetScope ? ` (${resetScope})` : ''}`;
    const parts = resetScope
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = parts.filter((p) => !(RESET_SCOPES as readonly string[]).includes(p));
    if (bad.length) throw new GraphInputError(op, `unknown reset scope ${bad.join(', ')} (allowed: ${RESET_SCOPES.join(', ')})`);
    const supportOnly = parts.filter((p) => (SUPPORT_ONLY_SCOPES as readonly string[]).includes(p));
    if (supportOnly.length && !opts.supportApproved) throw new GraphInputError(op, `${supportOnly.join(', ')} is refused: ${SUPPORT_ONLY_WARNING}`);
    const answer = await this.g.call({
      method: 'POST',
      path: `${this.jobPath(ref, op)}/restart`,
      body: { criteria: { resetScope: parts.join(', ') } },
      operation: op,
      schema: noBody,
    });
    return { requestId: answer.requestId };
  }

  async schema(ref: JobRef): Promise<SyncSchema> {
    const op = `read the schema of job ${name(ref)}`;
    return this.g.get(`${this.jobPath(ref, op)}/schema`, SyncSchemaSchema, op);
  }

  /** The rule id provisionOnDemand needs for users, read from the job's schema and cached per job. */
  async userRuleId(ref: JobRef): Promise<string> {
    const key = cacheKey(ref);
    const cached = this.ruleIds.get(key);
    if (cached) return cached;
    const schema = await this.schema(ref);
    const rule = pickUserRule(schema.synchronizationRules);
    if (!rule) {
      const rules = schema.synchronizationRules;
      throw new GraphResponseInvalidError(
        `find the user rule of job ${name(ref)}`,
        `the schema has no ${CTS_USER_RULE} rule (rules: ${rules.map((r) => r.name ?? r.id).join(', ') || 'none'})`,
      );
    }
    this.ruleIds.set(key, rule.id);
    return rule.id;
  }

  forgetRuleId(ref: JobRef): void {
    this.ruleIds.delete(cacheKey(ref));
  }

  /**
   * Provision on demand, waiting its turn under Graph's 5 calls / 10 s. Never retried after an unknown
   * outcome (it is a POST): provisioning is idempotent in effect, but the caller decides.
   */
  async provisionOnDemand(
    ref: JobRef,
    subjects: ProvisionSubject[],
    opts: { ruleId?: string; onQueued?: (ahead: number) => void } = {},
  ): Promise<ProvisionOnDemandResult> {
    const op = `provision on demand in job ${name(ref)}`;
    if (subjects.length === 0) throw new GraphInputError(op, 'no user or group given');
    for (const s of subjects) {
      guidSegment(s.objectId, 'object id', op);
      if ((s.members?.length ?? 0) > 5) throw new GraphInputError(op, 'a group can carry at most 5 members per call');
      for (const m of s.members ?? []) guidSegment(m.objectId, 'member object id', op);
    }
    const explicitRule = opts.ruleId !== undefined;
    const ruleId = opts.ruleId ?? (await this.userRuleId(ref));
    const body = {
      parameters: [
        {
          ruleId,
          subjects: subjects.map((s) => ({
            objectId: s.objectId,
            objectTypeName: s.objectTypeName,
            ...(s.members?.length ? { links: { members: s.members.map((m) => ({ objectId: m.objectId, objectTypeName: m.objectTypeName })) } } : {}),
          })),
        },
      ],
    };
    const path = `${this.jobPath(ref, op)}/provisionOnDemand`;
    try {
      const answer = await this.podLimiter
        .for(podKey(ref))
        .run(() => this.g.call({ method: 'POST', path, body, operation: op, schema: StringKeyStringValueSchema, timeoutMs: 90_000 }), opts.onQueued);
      return { ...parseProvisionOnDemand(answer.data), requestId: answer.requestId };
    } catch (err) {
      // A stale cached rule id (schema changed) answers RequestParameterInvalid: read the schema next time.
      if (!explicitRule && err instanceof GraphError && err.status === 400) this.forgetRuleId(ref);
      throw err;
    }
  }

  provisionQueueLength(ref: JobRef): number {
    return this.podLimiter.queued(podKey(ref));
  }

  /**
   * The accidental-deletion threshold from the job's secrets (`SyncNotificationSettings`). Only that one
   * key is read; the other secrets never leave this function.
   */
  async deletionThreshold(servicePrincipalId: string): Promise<DeletionThreshold> {
    const op = `read the deletion threshold of service principal ${servicePrincipalId}`;
    const secrets = await this.g.get(`${this.base(servicePrincipalId, op)}/secrets`, SecretsSchema, op);
    return parseDeletionThreshold(secrets.value.find((s) => s.key === 'SyncNotificationSettings')?.value);
  }
}

type SyncRule = SyncSchema['synchronizationRules'][number];

/**
 * The rule provisionOnDemand wants for users. Its `id` is a GUID-like string; `USER_INBOUND_USER` is its `name`
 * (CTS Graph guide, step 11). By name first, then by the `supportsProvisionOnDemand` metadata entry; the id is sent.
 */
export function pickUserRule(rules: SyncRule[]): SyncRule | undefined {
  const byName = rules.find((r) => (r.name ?? '').toUpperCase() === CTS_USER_RULE);
  if (byName) return byName;
  // Older answers used the name as id; accept that too rather than fail.
  const byId = rules.find((r) => r.id.toUpperCase() === CTS_USER_RULE);
  if (byId) return byId;
  const onDemand = rules.filter((r) =>
    (r.metadata ?? []).some((m) => m.key.toLowerCase() === 'supportsprovisionondemand' && `${m.value ?? ''}`.toLowerCase() === 'true'),
  );
  const userOnDemand = onDemand.filter((r) => /user/i.test(r.name ?? '') && !/group/i.test(r.name ?? ''));
  if (userOnDemand.length === 1) return userOnDemand[0];
  if (onDemand.length === 1) return onDemand[0];
  const users = rules.filter((r) => /user/i.test(r.name ?? '') && !/group/i.test(r.name ?? ''));
  return users.length === 1 ? users[0] : undefined;
}

export function parseDeletionThreshold(raw: string | null | undefined): DeletionThreshold {
  if (raw === undefined || raw === null || raw === '') return { enabled: false, value: null, source: 'missing' };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { enabled: false, value: null, source: 'invalid' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { enabled: false, value: null, source: 'invalid' };
  const o = json as Record<string, unknown>;
  const enabled = o.DeleteThresholdEnabled === true || (typeof o.DeleteThresholdEnabled === 'string' && o.DeleteThresholdEnabled.toLowerCase() === 'true');
  const n =
    typeof o.DeleteThresholdValue === 'number' ? o.DeleteThresholdValue : typeof o.DeleteThresholdValue === 'string' ? Number(o.DeleteThresholdValue) : NaN;
  const value = Number.isFinite(n) && n >= 0 ? Math.floor(n) : null;
  if (enabled && value === null) return { enabled, value: DEFAULT_DELETE_THRESHOLD, defaulted: true, source: 'secrets' };
  return { enabled, value, source: 'secrets' };
}

function name(ref: JobRef): string {
  return ref.label ?? ref.jobId;
}

/** provisionOnDemand is limited per tenant (5 / 10 s across all its jobs), so its queue is too. */
function podKey(ref: JobRef): string {
  return ref.tenantId.toLowerCase();
}

function cacheKey(ref: JobRef): string {
  return `${ref.tenantId}/${ref.servicePrincipalId}/${ref.jobId}`.toLowerCase();
}
