/**
 * The scope-change request and its state machine. Pure: the service loads the stored record, calls
 * `decide`, and compare-and-swaps the `next` record (losing the race → re-read and decide again).
 *
 *   pending ─approve→ approved ─beginExecution→ executing ─completeExecution→ done | failed
 *      │                                              └────failExecution────→ failed
 *      ├─reject→ rejected   ├─cancel→ cancelled   └─expire→ expired
 */
import { z } from 'zod';
import { newRequestId } from './commands';
import type { Permission } from './permissions';

export { newRequestId };

export const SCOPE_REQUEST_SCHEMA_VERSION = 1 as const;
export const DEFAULT_EXPIRES_AFTER_HOURS = 72;

export const REQUEST_STATUSES = ['pending', 'approved', 'executing', 'done', 'failed', 'rejected', 'expired', 'cancelled'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** States no action leaves. */
export const TERMINAL_STATUSES: readonly RequestStatus[] = ['done', 'failed', 'rejected', 'expired', 'cancelled'];
export const isTerminal = (s: RequestStatus): boolean => TERMINAL_STATUSES.includes(s);

const PersonSchema = z.object({ aadObjectId: z.string().min(1), name: z.string() });
export type Person = z.infer<typeof PersonSchema>;

/** Who acts when no person does (expiry sweeps, execution). */
export const SYSTEM_ACTOR: Person = { aadObjectId: 'system', name: 'CTS Ops bot' };

const PrincipalSchema = z.object({
  id: z.string().min(1),
  displayName: z.string(),
  userPrincipalName: z.string().optional(),
});
export type RequestPrincipal = z.infer<typeof PrincipalSchema>;

export const EXECUTION_OUTCOMES = ['assigned', 'removed', 'already', 'absent', 'failed'] as const;
const ExecutionResultSchema = z.object({
  principalId: z.string(),
  outcome: z.enum(EXECUTION_OUTCOMES),
  assignmentId: z.string().optional(),
  error: z.string().optional(),
});
export type ExecutionResult = z.infer<typeof ExecutionResultSchema>;

const IsoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: 'must be an ISO 8601 date-time' });

export const ScopeRequestSchema = z.object({
  schemaVersion: z.literal(SCOPE_REQUEST_SCHEMA_VERSION),
  id: z.string().min(1),
  configuration: z.string().min(1),
  op: z.enum(['add', 'remove']),
  principalType: z.enum(['user', 'group']),
  principals: z.array(PrincipalSchema).min(1),
  reason: z.string(),
  requester: PersonSchema,
  createdAt: IsoDate,
  expiresAt: IsoDate,
  status: z.enum(REQUEST_STATUSES),
  decision: z
    .object({
      by: PersonSchema,
      at: IsoDate,
      verdict: z.enum(['approved', 'rejected', 'cancelled', 'expired']),
      reason: z.string().optional(),
    })
    .optional(),
  execution: z
    .object({
      startedAt: IsoDate,
      finishedAt: IsoDate.optional(),
      results: z.array(ExecutionResultSchema).optional(),
      error: z.string().optional(),
    })
    .optional(),
  cardVersion: z.number().int().nonnegative(),
  history: z.array(z.object({ at: IsoDate, status: z.enum(REQUEST_STATUSES), by: PersonSchema.optional() })),
});
export type ScopeRequest = z.infer<typeof ScopeRequestSchema>;

/** Validates a record read back from storage (never trust what is on disk). */
export function parseScopeRequest(value: unknown): { ok: true; request: ScopeRequest } | { ok: false; problems: string[] } {
  const r = ScopeRequestSchema.safeParse(value);
  if (r.success) return { ok: true, request: r.data };
  return { ok: false, problems: r.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`) };
}

export interface NewRequestInput {
  id: string;
  configuration: string;
  op: 'add' | 'remove';
  principalType: 'user' | 'group';
  principals: RequestPrincipal[];
  reason: string;
  requester: Person;
  /** ms since the epoch (Clock.now()). */
  now: number;
  expiresAfterHours?: number;
}

export function createRequest(input: NewRequestInput): ScopeRequest {
  const hours = input.expiresAfterHours ?? DEFAULT_EXPIRES_AFTER_HOURS;
  const createdAt = iso(input.now);
  return {
    schemaVersion: SCOPE_REQUEST_SCHEMA_VERSION,
    id: input.id,
    configuration: input.configuration,
    op: input.op,
    principalType: input.principalType,
    principals: input.principals.map((p) => ({ ...p })),
    reason: input.reason,
    requester: { ...input.requester },
    createdAt,
    expiresAt: iso(input.now + hours * 3_600_000),
    status: 'pending',
    cardVersion: 1,
    history: [{ at: createdAt, status: 'pending', by: { ...input.requester } }],
  };
}

/** Removing people from scope deletes or disables their accounts in the target tenant. */
export function requiresDeletesAllow(request: Pick<ScopeRequest, 'op'>): boolean {
  return request.op === 'remove';
}

export function isExpired(request: Pick<ScopeRequest, 'status' | 'expiresAt'>, now: number): boolean {
  return request.status === 'pending' && now >= Date.parse(request.expiresAt);
}

export type ApprovalAction =
  | { type: 'approve' }
  | { type: 'reject'; reason?: string }
  | { type: 'cancel' }
  | { type: 'expire' }
  | { type: 'beginExecution' }
  | { type: 'completeExecution'; results: ExecutionResult[] }
  | { type: 'failExecution'; error: string };

export interface DecideContext {
  now: number;
  actor: Person;
  /** The actor's permissions for this request's configuration, resolved fresh by the service. */
  actorPermissions: readonly Permission[];
  needsDeletesAllow: boolean;
}

export type DecideFailureCode = 'self-approval' | 'not-allowed' | 'already-decided' | 'expired' | 'not-expired' | 'not-requester' | 'invalid-transition';

export type DecideResult = { ok: true; next: ScopeRequest } | { ok: false; code: DecideFailureCode; message: string; current: ScopeRequest };

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

const STATUS_WORDS: Record<RequestStatus, string> = {
  pending: 'is waiting for a decision',
  approved: 'was already approved',
  executing: 'was approved and is being carried out',
  done: 'was approved and carried out',
  failed: 'was approved but carrying it out failed',
  rejected: 'was already rejected',
  expired: 'expired without a decision',
  cancelled: 'was cancelled by the requester',
};

function whoDecided(r: ScopeRequest): string {
  return r.decision && r.decision.by.aadObjectId !== SYSTEM_ACTOR.aadObjectId ? ` by ${r.decision.by.name}` : '';
}

function transition(r: ScopeRequest, status: RequestStatus, ctx: DecideContext, patch: Partial<ScopeRequest> = {}): DecideResult {
  const at = iso(ctx.now);
  return {
    ok: true,
    next: {
      ...r,
      ...patch,
      status,
      cardVersion: r.cardVersion + 1,
      history: [...r.history, { at, status, by: { ...ctx.actor } }],
    },
  };
}

/** Decides one action on a request. Never mutates `request`. */
export function decide(request: ScopeRequest, action: ApprovalAction, ctx: DecideContext): DecideResult {
  const r = request;
  const fail = (code: DecideFailureCode, message: string): DecideResult => ({ ok: false, code, message, current: r });
  const at = iso(ctx.now);
  const stillOpen = (): DecideResult | undefined => {
    if (r.status === 'expired') return fail('expired', `Request ${r.id} expired without a decision; ask for it again.`);
    if (r.status !== 'pending') return fail('already-decided', `Request ${r.id} ${STATUS_WORDS[r.status]}${whoDecided(r)}.`);
    if (isExpired(r, ctx.now)) {
      return fail('expired', `Request ${r.id} expired at ${r.expiresAt} without a decision; ask for it again.`);
    }
    return undefined;
  };

  switch (action.type) {
    case 'approve': {
      const closed = stillOpen();
      if (closed) return closed;
      if (ctx.actor.aadObjectId === r.requester.aadObjectId) {
        return fail('self-approval', `You made request ${r.id}, so someone else has to approve it.`);
      }
      if (!ctx.actorPermissions.includes('scope.approve')) {
        return fail('not-allowed', `Approving needs the scope.approve permission for ${r.configuration}.`);
      }
      if (ctx.needsDeletesAllow && !ctx.actorPermissions.includes('deletes.allow')) {
        return fail(
          'not-allowed',
          `Request ${r.id} removes ${r.principalType}s from sync scope, which deletes or disables them in the target tenant; approving it needs the deletes.allow permission.`,
        );
      }
      return transition(r, 'approved', ctx, { decision: { by: { ...ctx.actor }, at, verdict: 'approved' } });
    }
    case 'reject': {
      const closed = stillOpen();
      if (closed) return closed;
      if (!ctx.actorPermissions.includes('scope.approve')) {
        const hint = ctx.actor.aadObjectId === r.requester.aadObjectId ? ` To withdraw your own request, use cancel ${r.id}.` : '';
        return fail('not-allowed', `Rejecting needs the scope.approve permission for ${r.configuration}.${hint}`);
      }
      const reason = action.reason?.trim();
      return transition(r, 'rejected', ctx, {
        decision: { by: { ...ctx.actor }, at, verdict: 'rejected', ...(reason ? { reason } : {}) },
      });
    }
    case 'cancel': {
      const closed = stillOpen();
      if (closed) return closed;
      if (ctx.actor.aadObjectId !== r.requester.aadObjectId) {
        return fail('not-requester', `Only ${r.requester.name}, who made request ${r.id}, can cancel it.`);
      }
      return transition(r, 'cancelled', ctx, { decision: { by: { ...ctx.actor }, at, verdict: 'cancelled' } });
    }
    case 'expire': {
      if (r.status !== 'pending') {
        return r.status === 'expired'
          ? fail('expired', `Request ${r.id} has already expired.`)
          : fail('already-decided', `Request ${r.id} ${STATUS_WORDS[r.status]}${whoDecided(r)}.`);
      }
      if (!isExpired(r, ctx.now)) return fail('not-expired', `Request ${r.id} is open until ${r.expiresAt}.`);
      return transition(r, 'expired', ctx, { decision: { by: { ...ctx.actor }, at, verdict: 'expired' } });
    }
    case 'beginExecution': {
      if (r.status !== 'approved') {
        return fail(
          r.status === 'executing' || isTerminal(r.status) ? 'already-decided' : 'invalid-transition',
          `Request ${r.id} ${STATUS_WORDS[r.status]}; only an approved request can be carried out.`,
        );
      }
      return transition(r, 'executing', ctx, { execution: { startedAt: at } });
    }
    case 'completeExecution':
    case 'failExecution': {
      if (r.status !== 'executing' || !r.execution) {
        return fail(isTerminal(r.status) ? 'already-decided' : 'invalid-transition', `Request ${r.id} ${STATUS_WORDS[r.status]}; it is not being carried out.`);
      }
      if (action.type === 'failExecution') {
        return transition(r, 'failed', ctx, { execution: { ...r.execution, finishedAt: at, error: action.error } });
      }
      const results = action.results.map((x) => ({ ...x }));
      // Any principal that could not be changed makes the whole request failed; the results say which.
      const status: RequestStatus = results.some((x) => x.outcome === 'failed') ? 'failed' : 'done';
      return transition(r, status, ctx, { execution: { ...r.execution, finishedAt: at, results } });
    }
  }
}

/** Short words for a status, for cards and lists. */
/**
 * What an actor could do with a request right now: the same rules as `decide`, asked without acting, so a card
 * never offers a button the state machine would refuse.
 */
export function allowedActions(request: ScopeRequest, ctx: DecideContext): { approve: boolean; reject: boolean; cancel: boolean } {
  return {
    approve: decide(request, { type: 'approve' }, ctx).ok,
    reject: decide(request, { type: 'reject', reason: 'preview' }, ctx).ok,
    cancel: decide(request, { type: 'cancel' }, ctx).ok,
  };
}
