import { ConversationTargetSchema } from './ports';
/**
 * How scope-change requests are stored. The domain `ScopeRequest` is wrapped in an envelope that also keeps what the
 * service learnt when it validated the request (risk signals), where it was asked, and Graph's
 * request ids. The index of open requests (`approvals/open`) reserves principals against duplicate requests; it is a
 * cache kept up to date off the decision path and rebuilt from the per-request `approvals/active/<id>` keys when it
 * is lost or corrupt. Every write to a record or the index is a CAS.
 */
import { z } from 'zod';
import { ScopeRequestSchema, isTerminal, type ScopeRequest } from '../domain/scopeRequests';

export const SCOPE_REQUEST_RECORD_VERSION = 1 as const;
export const requestKey = (id: string): string => `approvals/req/${id}`;
export const OPEN_INDEX_KEY = 'approvals/open';
/**
 * One small key per open request, created before the request record and deleted after it is terminal. Listing these
 * (where the store can list) is how reconcile, expiry and "pending" find open requests: no shared key is on the path
 * of a decision, and a lost or corrupt index is rebuilt from them.
 */
export const ACTIVE_PREFIX = 'approvals/active/';
export const activeKey = (id: string): string => `${ACTIVE_PREFIX}${id}`;
export const KNOWN_APPROVERS_KEY = 'approvals/approvers';

const TargetSchema = ConversationTargetSchema;

/** The outbox subject of a request's cards (every copy, in every conversation, lives in the outbox). */
export const approvalSubject = (id: string) => ({ kind: 'approval', id });
/** Which view a copy shows: the requester's own (in their personal chat) or the shared one. */
export type CopyRole = 'approvers' | 'requester';

export const RiskSchema = z.object({
  /** Users whose scope membership this request changes (after skipping guests and those already in/out of scope). */
  usersAffected: z.number().int().nonnegative(),
  scopeSizeBefore: z.number().int().nonnegative(),
  groups: z.array(
    z.object({
      id: z.string(),
      displayName: z.string(),
      directMembers: z.number().int().nonnegative(),
      userMembers: z.number().int().nonnegative(),
      alreadyInScope: z.number().int().nonnegative(),
      nestedGroups: z.array(z.string()),
      guests: z.number().int().nonnegative(),
    }),
  ),
  privileged: z.array(z.object({ id: z.string(), displayName: z.string(), roles: z.array(z.string()) })),
  /** How many members were checked for privileged roles (large groups are sampled). */
  privilegedChecked: z.number().int().nonnegative(),
  targetTenantUsers: z.number().int().nonnegative().optional(),
  /** usersAffected / (target tenant size, or the current scope size when the tenant size is unknown). */
  growthShare: z.number().nonnegative().optional(),
  growthBasis: z.enum(['target-tenant', 'current-scope']).optional(),
  growthWarning: z.boolean(),
  /** Removals: B2B accounts that the next cycle deletes or disables in the target. */
  deletesInTarget: z.number().int().nonnegative().optional(),
  deletionThreshold: z.number().int().nonnegative().nullable().optional(),
  tripsDeletionThreshold: z.boolean(),
  /** Adds: look-alike names (domain/lookalike.ts); absent on records stored before the check existed. */
  lookalikes: z
    .array(
      z.object({
        principalId: z.string(),
        principalName: z.string(),
        field: z.enum(['displayName', 'mail', 'userPrincipalName']),
        value: z.string(),
        resembles: z.string(),
        resemblesId: z.string().optional(),
        standing: z.string(),
        why: z.string(),
      }),
    )
    .default([]),
  /** Adds: dynamic groups of the target the newcomers would join, or could not be judged for (domain/dynamicGroupRisk.ts). */
  dynamicGroups: z
    .array(
      z.object({
        groupId: z.string(),
        groupName: z.string(),
        rule: z.string(),
        verdict: z.enum(['match', 'cannotEvaluate']),
        principals: z.array(z.object({ id: z.string(), displayName: z.string() })),
        reason: z.string().optional(),
        isAssignableToRole: z.boolean(),
        appRoleAssignments: z.array(z.string()),
        directoryRoles: z.array(z.string()),
      }),
    )
    .default([]),
  warnings: z.array(z.string()),
});
export type RiskReport = z.infer<typeof RiskSchema>;

export const StoredScopeRequestSchema = z.object({
  schemaVersion: z.literal(SCOPE_REQUEST_RECORD_VERSION),
  request: ScopeRequestSchema,
  risk: RiskSchema,
  /** The conversation where the request was made (for replies when nothing else is known). */
  origin: TargetSchema.optional(),
  /** Graph request ids by principal id, for failures and audit. */
  graphRequestIds: z.record(z.string()).default({}),
  /** Provision-on-demand after an add, when someone asked for it. */
  provisioned: z.object({ by: z.string(), at: z.string(), summary: z.string() }).optional(),
});
export type StoredScopeRequest = z.infer<typeof StoredScopeRequestSchema>;

export function parseStoredScopeRequest(value: unknown): StoredScopeRequest | undefined {
  const r = StoredScopeRequestSchema.safeParse(value);
  return r.success ? r.data : undefined;
}

const OpenEntrySchema = z.object({
  id: z.string(),
  configuration: z.string(),
  op: z.enum(['add', 'remove']),
  principalIds: z.array(z.string()),
  status: ScopeRequestSchema.shape.status,
  expiresAt: z.string(),
  createdAt: z.string(),
});
export type OpenEntry = z.infer<typeof OpenEntrySchema>;
export const OpenIndexSchema = z.object({ schemaVersion: z.literal(1), entries: z.array(OpenEntrySchema) });
export type OpenIndex = z.infer<typeof OpenIndexSchema>;

export function openEntryOf(r: ScopeRequest): OpenEntry {
  return {
    id: r.id,
    configuration: r.configuration,
    op: r.op,
    principalIds: r.principals.map((p) => p.id.toLowerCase()),
    status: r.status,
    expiresAt: r.expiresAt,
    createdAt: r.createdAt,
  };
}

/** The index after `r` changed: updated in place while open, dropped once terminal. */
export function withEntry(index: OpenIndex | undefined, r: ScopeRequest): OpenIndex {
  const rest = (index?.entries ?? []).filter((e) => e.id !== r.id);
  return { schemaVersion: 1, entries: isTerminal(r.status) ? rest : [...rest, openEntryOf(r)] };
}

/** An open request for the same configuration and operation that already names one of these principals. */
export function duplicateOf(index: OpenIndex | undefined, configuration: string, op: 'add' | 'remove', principalIds: string[]): OpenEntry | undefined {
  const wanted = new Set(principalIds.map((p) => p.toLowerCase()));
  return index?.entries.find(
    (e) => e.configuration.toLowerCase() === configuration.toLowerCase() && e.op === op && !isTerminal(e.status) && e.principalIds.some((p) => wanted.has(p)),
  );
}

export const KnownApproversSchema = z.object({
  schemaVersion: z.literal(1),
  users: z.array(z.object({ aadObjectId: z.string(), lastSeen: z.string() })),
});
export type KnownApprovers = z.infer<typeof KnownApproversSchema>;
