/**
 * Periodic scope review: the rules, without I/O. A review lists what is in a configuration's scope (assigned groups
 * and directly assigned users, with the facts an approver needs), approvers mark each item Keep or Remove, and the
 * review completes when every item is decided or at its deadline, where undecided items get the configured default.
 * A decision is final: the first one stored wins, so a Remove creates its removal request once.
 */
import { z } from 'zod';
import { newRequestId } from './commands';

export const REVIEW_SCHEMA_VERSION = 1 as const;
export const DEFAULT_REVIEW_DAYS = 14;
export const DEFAULT_REVIEW_VERDICT: Verdict = 'keep';
/** Items per card page: 20 items with two buttons each stay well under Teams' 28 KB. */
export const REVIEW_PAGE_SIZE = 20;
const DAY_MS = 86_400_000;

export const VERDICTS = ['keep', 'remove'] as const;
export type Verdict = (typeof VERDICTS)[number];

const PersonSchema = z.object({ aadObjectId: z.string().min(1), name: z.string() });
export type ReviewPerson = z.infer<typeof PersonSchema>;
/** Who decides when nobody did before the deadline. */
export const REVIEW_SYSTEM: ReviewPerson = { aadObjectId: 'system', name: 'the review deadline' };

const GroupFactsSchema = z.object({
  /** Direct members (what CTS syncs from an assigned group). */
  members: z.number().int().nonnegative(),
  /** Display names of nested groups: their members are NOT synced. */
  nestedGroups: z.array(z.string()),
  guests: z.number().int().nonnegative(),
  /** Members holding privileged directory roles ("name (role, role)"), of the members checked. */
  privileged: z.array(z.string()),
  privilegedChecked: z.number().int().nonnegative(),
});

const UserFactsSchema = z.object({
  userPrincipalName: z.string().optional(),
  enabled: z.boolean().nullable(),
  guest: z.boolean(),
  /** A B2B account (invited, or a converted guest): CTS syncs internal members only. */
  external: z.boolean(),
  /** ISO time of the last sign-in; null = never signed in; absent when it could not be read (see signInNote). */
  lastSignIn: z.string().nullable().optional(),
  privilegedRoles: z.array(z.string()),
});

const DecisionSchema = z.object({ verdict: z.enum(VERDICTS), by: PersonSchema, at: z.string(), byDefault: z.boolean().default(false) });

const RemovalSchema = z.object({
  /** The removal request's id (deterministic per review and item, so creating it twice finds the first). */
  requestId: z.string(),
  state: z.enum(['requested', 'failed']),
  note: z.string().optional(),
});

export const ReviewItemSchema = z.object({
  /** The principal's object id: the item's id on cards and in requests. */
  id: z.string().min(1),
  kind: z.enum(['group', 'user']),
  displayName: z.string(),
  group: GroupFactsSchema.optional(),
  user: UserFactsSchema.optional(),
  decision: DecisionSchema.optional(),
  removal: RemovalSchema.optional(),
});
export type ReviewItem = z.infer<typeof ReviewItemSchema>;

export const ReviewSchema = z.object({
  schemaVersion: z.literal(REVIEW_SCHEMA_VERSION),
  id: z.string().regex(/^REV-[0-9A-Z]{5}$/),
  configuration: z.string().min(1),
  status: z.enum(['open', 'completed']),
  startedAt: z.string(),
  startedBy: PersonSchema,
  deadline: z.string(),
  defaultVerdict: z.enum(VERDICTS),
  items: z.array(ReviewItemSchema),
  /** Why some facts are missing (e.g. sign-in activity needs AuditLog.Read.All). */
  signInNote: z.string().optional(),
  /** Raised on every change: cards show it, the outbox updates copies that show an older one. */
  version: z.number().int().min(1),
  completedAt: z.string().optional(),
  completedBecause: z.enum(['all-decided', 'deadline']).optional(),
});
export type Review = z.infer<typeof ReviewSchema>;

export function parseReview(value: unknown): Review | undefined {
  const r = ReviewSchema.safeParse(value);
  return r.success ? r.data : undefined;
}

/** REV- and five characters of the request-id alphabet (nothing to misread aloud). */
export function newReviewId(random: () => number = Math.random): string {
  return newRequestId(random).replace(/^REQ-/, 'REV-');
}

export interface StartInput {
  id: string;
  configuration: string;
  by: ReviewPerson;
  now: number;
  days?: number;
  defaultVerdict?: Verdict;
  items: Omit<ReviewItem, 'decision' | 'removal'>[];
  signInNote?: string;
}

/** A new open review; an empty scope completes at once (there is nothing to decide). */
export function startReview(input: StartInput): Review {
  const days = input.days ?? DEFAULT_REVIEW_DAYS;
  const at = iso(input.now);
  // Groups first (they carry most people), then users; each by name, so pages are stable across renders.
  const items = [...input.items].sort((a, b) => (a.kind === b.kind ? a.displayName.localeCompare(b.displayName) : a.kind === 'group' ? -1 : 1));
  const review: Review = {
    schemaVersion: REVIEW_SCHEMA_VERSION,
    id: input.id,
    configuration: input.configuration,
    status: 'open',
    startedAt: at,
    startedBy: input.by,
    deadline: iso(input.now + days * DAY_MS),
    defaultVerdict: input.defaultVerdict ?? DEFAULT_REVIEW_VERDICT,
    items,
    ...(input.signInNote ? { signInNote: input.signInNote } : {}),
    version: 1,
  };
  return items.length ? review : { ...review, status: 'completed', completedAt: at, completedBecause: 'all-decided' };
}

export type DecideItemResult =
  { ok: true; next: Review; item: ReviewItem; completed: boolean } | { ok: false; code: 'not-open' | 'unknown-item' | 'already-decided'; message: string };

/** Records one approver's verdict on one item; the review completes when it was the last undecided one. */
export function decideItem(review: Review, itemId: string, verdict: Verdict, by: ReviewPerson, now: number): DecideItemResult {
  if (review.status !== 'open') return { ok: false, code: 'not-open', message: `Review ${review.id} is already completed.` };
  // Past the deadline the default decides, even before the leader's sweep has written it.
  if (isPastDeadline(review, now))
    return { ok: false, code: 'not-open', message: `Review ${review.id} passed its deadline; undecided items get ${label(review.defaultVerdict)}.` };
  const index = review.items.findIndex((i) => i.id === itemId);
  if (index < 0) return { ok: false, code: 'unknown-item', message: `Review ${review.id} has no such item.` };
  const current = review.items[index];
  if (current.decision) {
    const d = current.decision;
    return { ok: false, code: 'already-decided', message: `${current.displayName} was already marked ${label(d.verdict)} by ${d.by.name}.` };
  }
  const item: ReviewItem = { ...current, decision: { verdict, by, at: iso(now), byDefault: false } };
  const items = review.items.map((i, n) => (n === index ? item : i));
  let next: Review = { ...review, items, version: review.version + 1 };
  const completed = items.every((i) => i.decision);
  if (completed) next = { ...next, status: 'completed', completedAt: iso(now), completedBecause: 'all-decided' };
  return { ok: true, next, item, completed };
}

export function isPastDeadline(review: Review, now: number): boolean {
  return review.status === 'open' && now >= Date.parse(review.deadline);
}

/** At the deadline: every undecided item gets the review's default, and the review completes. Undefined if not due. */
export function applyDeadline(review: Review, now: number): Review | undefined {
  if (!isPastDeadline(review, now)) return undefined;
  const at = iso(now);
  const items = review.items.map((i) => (i.decision ? i : { ...i, decision: { verdict: review.defaultVerdict, by: REVIEW_SYSTEM, at, byDefault: true } }));
  return { ...review, items, status: 'completed', completedAt: at, completedBecause: 'deadline', version: review.version + 1 };
}

/** Items marked Remove whose removal request is not recorded yet (a crash between the two, or a default). */
export function removalsOwed(review: Review): ReviewItem[] {
  return review.items.filter((i) => i.decision?.verdict === 'remove' && !i.removal);
}

export function recordRemoval(review: Review, itemId: string, removal: NonNullable<ReviewItem['removal']>): Review | undefined {
  const item = review.items.find((i) => i.id === itemId);
  if (!item || (item.removal?.requestId === removal.requestId && item.removal.state === removal.state)) return undefined;
  return { ...review, items: review.items.map((i) => (i.id === itemId ? { ...i, removal } : i)), version: review.version + 1 };
}

export interface ReviewCounts {
  total: number;
  kept: number;
  removed: number;
  undecided: number;
}

export function counts(review: Review): ReviewCounts {
  const kept = review.items.filter((i) => i.decision?.verdict === 'keep').length;
  const removed = review.items.filter((i) => i.decision?.verdict === 'remove').length;
  return { total: review.items.length, kept, removed, undecided: review.items.length - kept - removed };
}

export interface ReviewPage {
  items: ReviewItem[];
  /** 1-based. */
  page: number;
  pages: number;
}

/** One page of items; a page out of range is clamped (an old card may name a page that no longer exists). */
export function pageOf(review: Review, page: number, size = REVIEW_PAGE_SIZE): ReviewPage {
  const pages = Math.max(1, Math.ceil(review.items.length / size));
  const p = Math.min(Math.max(1, Math.floor(Number.isFinite(page) ? page : 1)), pages);
  return { items: review.items.slice((p - 1) * size, p * size), page: p, pages };
}

/** The page a shared copy shows: the first with an undecided item (the work left), else the first. */
export function firstOpenPage(review: Review, size = REVIEW_PAGE_SIZE): number {
  const i = review.items.findIndex((it) => !it.decision);
  return i < 0 ? 1 : Math.floor(i / size) + 1;
}

/** The schedule: a new review is due when none ran yet or the last one completed `everyDays` ago. */
export function scheduledReviewDue(
  everyDays: number | undefined,
  lastCompletedAt: string | undefined,
  lastStartedAt: string | undefined,
  now: number,
): boolean {
  if (!everyDays) return false;
  const last = lastCompletedAt ?? lastStartedAt;
  if (!last) return true;
  return now - Date.parse(last) >= everyDays * DAY_MS;
}

export function label(verdict: Verdict): string {
  return verdict === 'keep' ? 'Keep' : 'Remove';
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
