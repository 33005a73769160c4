/**
 * Periodic scope review: what is in a configuration's scope, shown to the approvers, each item marked Keep or Remove.
 *
 * State: `reviews/rev/<id>` holds a review (every change a CAS on it, the domain in src/domain/review.ts deciding);
 * the per-configuration slot (reviewSlots.ts) allows one open review at a time. The review record is written before
 * the slot is taken, so the slot never names a review that does not exist.
 *
 * A Remove becomes a removal request through the approvals flow (four eyes, deletes.allow), exactly once: its id is
 * derived from the review and item, so a second attempt (double click, second instance, a sweep after a crash) finds
 * the first request instead of making another. Cards go through the one outbox (subject `review/<id>`).
 */
import { createHash, randomInt } from 'node:crypto';
import { newRequestId } from '../domain/commands';
import {
  applyDeadline,
  counts,
  decideItem,
  label,
  newReviewId,
  parseReview,
  recordRemoval,
  removalsOwed,
  scheduledReviewDue,
  startReview,
  REVIEW_SYSTEM,
  type Review,
  type ReviewItem,
  type ReviewPerson,
  type Verdict,
} from '../domain/review';
import type { Logger } from '../logger';
import { AuditRewriteError, createIfAbsent, updateWithCasDetailed } from '../store';
import type { CallerIdentity } from './access';
import type { ScopeRequestDeps, ScopeRequestService } from './scopeRequests';
import { errorText } from './operations';
import type { Outbox } from './outbox';
import { readReviewScope } from './reviewScope';
import { readSlot, releaseSlot, slotKey, type Slot } from './reviewSlots';
import type { ConversationTarget } from './ports';

export const reviewKey = (id: string) => `reviews/rev/${id}`;
export const reviewSubject = (id: string) => ({ kind: 'review', id });

export interface ReviewAudience {
  targetsFor(topic: 'approvals', configuration: string): Promise<ConversationTarget[]> | ConversationTarget[];
}

export interface ScopeReviewDeps extends ScopeRequestDeps {
  approvals: ScopeRequestService;
  outbox: Outbox;
  audience: ReviewAudience;
}

export interface ScopeReviewOptions {
  /** How long approvers have (estate reviewDays). */
  days?: number;
  /** What undecided items get at the deadline (estate reviewDefault). */
  defaultVerdict?: Verdict;
  /** Start a review when the last one completed this many days ago (estate reviewEveryDays); off when absent. */
  everyDays?: number;
  newId?: () => string;
  logger?: Logger;
}

export interface Reviewer extends CallerIdentity {
  name: string;
}

export type StartOutcome =
  | { ok: true; review: Review }
  | { ok: false; code: 'unknown-configuration' | 'already-open' | 'graph-unavailable'; title: string; message: string; hint: string; review?: Review };

export type DecideOutcome =
  | { kind: 'not-found' }
  | { kind: 'refused'; code: 'not-allowed' | 'not-open' | 'unknown-item' | 'already-decided'; message: string; review: Review }
  | { kind: 'committed'; review: Review; item: ReviewItem };

/** The removal request's id for one item of one review: the same every time, so creating it twice is harmless. */
export function removalRequestId(reviewId: string, itemId: string): string {
  const digest = createHash('sha256').update(`${reviewId}/${itemId.toLowerCase()}`).digest();
  let i = 0;
  return newRequestId(() => digest[i++ % digest.length] / 256);
}

export class ScopeReviews {
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly newId: () => string;

  constructor(
    private readonly deps: ScopeReviewDeps,
    private readonly options: ScopeReviewOptions = {},
  ) {
    this.newId = options.newId ?? (() => newReviewId(() => randomInt(0, 1_000_000) / 1_000_000));
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  async get(id: string): Promise<Review | undefined> {
    // The schema strips the store's eTag with every other unknown key.
    const raw: unknown = (await this.deps.storage.read([reviewKey(id)]))[reviewKey(id)];
    if (!raw) return undefined;
    const review = parseReview(raw);
    if (!review) this.options.logger?.warn({ id }, 'stored review failed validation');
    return review;
  }

  /** The open review of a configuration, else its last one; undefined when none ever ran. */
  async current(configuration: string): Promise<Review | undefined> {
    const slot = await readSlot(this.deps.storage, this.options.logger, configuration);
    const id = slot?.openReviewId ?? slot?.lastReviewId;
    return id ? this.get(id) : undefined;
  }

  /** The conversations the review's card goes to (the approvals subscribers of its configuration), by key. */
  async placesFor(review: Review): Promise<string[]> {
    return (await this.deps.audience.targetsFor('approvals', review.configuration)).map((t) => t.key);
  }

  /** Resolves when card updates started so far have finished. For tests and shutdown. */
  async idle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  // -------------------------------------------------------------------------------------------
  // Starting

  async start(configuration: string | undefined, by: ReviewPerson): Promise<StartOutcome> {
    const found = this.deps.configs.resolve(configuration);
    if (!found.ok) return { ok: false, code: 'unknown-configuration', title: 'Unknown configuration', message: found.problem, hint: found.hint };
    const config = found.config;
    const open = await this.openReview(config.name);
    if (open) return this.alreadyOpen(open);

    let gathered: { items: Parameters<typeof startReview>[0]['items']; signInNote?: string };
    try {
      gathered = await readReviewScope(this.deps.graph, config);
    } catch (err) {
      this.options.logger?.warn({ err, configuration: config.name }, 'scope review: reading the scope failed');
      return {
        ok: false,
        code: 'graph-unavailable',
        title: 'Graph did not answer',
        message: `Could not read the scope of ${config.name}: ${errorText(err)}`,
        hint: 'Nothing was started; try again in a moment.',
      };
    }
    const now = this.deps.clock.now();
    let review: Review | undefined;
    for (let attempt = 0; attempt < 5 && !review; attempt++) {
      const candidate = startReview({
        id: this.newId(),
        configuration: config.name,
        by,
        now,
        days: this.options.days,
        defaultVerdict: this.options.defaultVerdict,
        ...gathered,
      });
      if (await createIfAbsent(this.deps.storage, reviewKey(candidate.id), candidate)) review = candidate;
    }
    if (!review)
      return { ok: false, code: 'graph-unavailable', title: 'Could not store the review', message: 'Five review ids in a row were taken.', hint: 'Try again.' };

    const at = review.startedAt;
    const id = review.id;
    const completedNow = review.status === 'completed';
    const claimed = await updateWithCasDetailed<Slot>(this.deps.storage, slotKey(config.name), (cur) => {
      if (cur?.openReviewId) return 'abort';
      return {
        ...(cur ?? {}),
        configuration: config.name,
        ...(completedNow ? { openReviewId: undefined, lastCompletedAt: at } : { openReviewId: id }),
        lastReviewId: id,
        lastStartedAt: at,
      };
    });
    if (claimed.outcome !== 'committed') {
      // Someone started one between our check and our claim: ours was never shown to anyone; theirs stands.
      await this.deps.storage.delete([reviewKey(id)]).catch(() => undefined);
      const theirs = claimed.item?.openReviewId ? await this.get(claimed.item.openReviewId) : undefined;
      return theirs
        ? this.alreadyOpen(theirs)
        : {
            ok: false,
            code: 'already-open',
            title: 'A review is already open',
            message: `A review of ${config.name} was started at the same moment.`,
            hint: `Type "review status ${config.name}".`,
          };
    }
    const c = counts(review);
    await this.auditOnce(
      `${id}.started`,
      at,
      by,
      'review.started',
      review,
      `${c.total} item(s) in scope; decide by ${review.deadline.slice(0, 10)}; undecided get ${label(review.defaultVerdict)}`,
    );
    if (review.status === 'completed') await this.auditOnce(`${id}.completed`, at, REVIEW_SYSTEM, 'review.completed', review, 'nothing in scope to review');
    await this.publish(review);
    return { ok: true, review };
  }

  private alreadyOpen(open: Review): StartOutcome {
    return {
      ok: false,
      code: 'already-open',
      title: 'A review is already open',
      message: `Review ${open.id} of ${open.configuration} is still open (started by ${open.startedBy.name}, deadline ${open.deadline.slice(0, 10)}); one review per configuration runs at a time.`,
      hint: `Decide its items on the review card, or type "review status ${open.configuration}".`,
      review: open,
    };
  }

  /** The open review of a configuration; a slot left naming a completed review (a crash) is released. */
  private async openReview(configuration: string): Promise<Review | undefined> {
    const slot = await readSlot(this.deps.storage, this.options.logger, configuration);
    if (!slot?.openReviewId) return undefined;
    const review = await this.get(slot.openReviewId);
    if (review?.status === 'open') return review;
    await releaseSlot(this.deps.storage, configuration, slot.openReviewId, review?.completedAt ?? new Date(this.deps.clock.now()).toISOString());
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Deciding

  /** Keep or Remove one item, for `caller` whose roles are resolved afresh (scope.approve for the configuration). */
  async decide(reviewId: string, itemId: string, verdict: Verdict, caller: Reviewer): Promise<DecideOutcome> {
    const current = await this.get(reviewId);
    if (!current) return { kind: 'not-found' };
    const resolved = await this.deps.access.resolve(caller, { fresh: true });
    const permissions = this.deps.access.permissions(resolved, current.configuration);
    if (!permissions.includes('scope.approve')) {
      return {
        kind: 'refused',
        code: 'not-allowed',
        message: `Deciding a scope review needs the scope.approve permission for ${current.configuration}.`,
        review: current,
      };
    }
    void this.deps.approvals.noteApprover(caller.aadObjectId).catch(() => undefined);
    const by: ReviewPerson = { aadObjectId: caller.aadObjectId, name: caller.name };
    const now = this.deps.clock.now();
    let refusal: { code: 'not-open' | 'unknown-item' | 'already-decided'; message: string } | undefined;
    const result = await updateWithCasDetailed<Review>(this.deps.storage, reviewKey(reviewId), (cur) => {
      refusal = undefined;
      const review = cur && parseReview(cur);
      if (!review) return 'abort';
      const d = decideItem(review, itemId, verdict, by, now);
      if (!d.ok) {
        refusal = { code: d.code, message: d.message };
        return 'abort';
      }
      return d.next;
    });
    let review = (result.item && parseReview(result.item)) ?? current;
    if (result.outcome !== 'committed') {
      const r = refusal ?? { code: 'not-open' as const, message: `Review ${reviewId} could not be read.` };
      return { kind: 'refused', code: r.code, message: r.message, review };
    }
    const item = review.items.find((i) => i.id === itemId)!;
    await this.auditOnce(`${reviewId}.${itemId}.decided`, item.decision!.at, by, 'review.decided', review, `${label(verdict)} ${describe(item)}`);
    if (verdict === 'remove') review = (await this.ensureRemoval(review, item)) ?? review;
    if (review.status === 'completed') await this.finish(review);
    this.changed(review);
    return { kind: 'committed', review, item: review.items.find((i) => i.id === itemId)! };
  }

  /**
   * Creates the removal request of an item marked Remove, once: the id is derived from the review and item; when a
   * request with that id exists (or another open request already removes the principal) it is recorded instead.
   * Undefined when Graph could not be asked now: the sweep tries again.
   */
  private async ensureRemoval(review: Review, item: ReviewItem): Promise<Review | undefined> {
    const { approvals } = this.deps;
    const requestId = removalRequestId(review.id, item.id);
    let removal: NonNullable<ReviewItem['removal']>;
    if (await approvals.get(requestId)) {
      removal = { requestId, state: 'requested' };
    } else {
      const by = item.decision!.by;
      const created = await approvals.create({
        id: requestId,
        configuration: review.configuration,
        op: 'remove',
        principalType: item.kind,
        principals: [item.id],
        reason: `scope review ${review.id}: marked Remove ${item.decision!.byDefault ? `by default at the deadline` : `by ${by.name}`}`,
        requester: { aadObjectId: by.aadObjectId, tenantId: '', name: item.decision!.byDefault ? 'Scope review (deadline default)' : by.name },
      });
      if (created.ok) removal = { requestId, state: 'requested' };
      else if (created.problem.code === 'duplicate' && created.problem.existingId === requestId)
        return undefined; // ours, not stored yet
      else if (created.problem.code === 'duplicate' && created.problem.existingId)
        removal = { requestId: created.problem.existingId, state: 'requested', note: 'an open request already removes it' };
      else if (created.problem.code === 'graph-unavailable') {
        this.options.logger?.warn(
          { review: review.id, item: item.id, problem: created.problem.lines },
          'scope review: removal request not created yet; the sweep retries',
        );
        return undefined;
      } else removal = { requestId, state: 'failed', note: `${created.problem.title}: ${created.problem.lines.join(' ')}`.slice(0, 500) };
    }
    const r = await updateWithCasDetailed<Review>(this.deps.storage, reviewKey(review.id), (cur) => {
      const rec = cur && parseReview(cur);
      return rec ? recordRemoval(rec, item.id, removal) : 'abort';
    });
    return (r.item && parseReview(r.item)) ?? review;
  }

  /** After the CAS that completed a review: its audit event (fixed id: written once) and the slot released. */
  private async finish(review: Review): Promise<void> {
    const c = counts(review);
    const defaulted = review.items.filter((i) => i.decision?.byDefault).length;
    const because =
      review.completedBecause === 'deadline'
        ? `deadline passed; ${defaulted} undecided item(s) got the default ${label(review.defaultVerdict)}`
        : 'every item decided';
    await this.auditOnce(
      `${review.id}.completed`,
      review.completedAt ?? review.startedAt,
      REVIEW_SYSTEM,
      'review.completed',
      review,
      `${because}: ${c.kept} keep, ${c.removed} remove of ${c.total}`,
    );
    await releaseSlot(this.deps.storage, review.configuration, review.id, review.completedAt ?? new Date(this.deps.clock.now()).toISOString());
  }

  // -------------------------------------------------------------------------------------------
  // The leader's sweep

  /**
   * For every configuration: a review past its deadline completes with the default for undecided items; removals a
   * crash left owed are requested; a slot left open by a crash is released; the schedule starts a review when due.
   * Returns the reviews it completed.
   */
  async sweep(): Promise<Review[]> {
    const completed: Review[] = [];
    for (const name of this.deps.configs.names()) {
      try {
        const done = await this.sweepOne(name);
        if (done) completed.push(done);
      } catch (err) {
        this.options.logger?.error({ err, configuration: name }, 'scope review sweep failed for a configuration');
      }
    }
    return completed;
  }

  private async sweepOne(configuration: string): Promise<Review | undefined> {
    const slot = await readSlot(this.deps.storage, this.options.logger, configuration);
    let completed: Review | undefined;
    const id = slot?.openReviewId ?? slot?.lastReviewId;
    let review = id ? await this.get(id) : undefined;
    if (review && review.status === 'open') {
      const now = this.deps.clock.now();
      const r = await updateWithCasDetailed<Review>(this.deps.storage, reviewKey(review.id), (cur) => {
        const rec = cur && parseReview(cur);
        return rec ? applyDeadline(rec, now) : 'abort';
      });
      const after = r.item && parseReview(r.item);
      if (after) review = after;
      if (r.outcome === 'committed' && after) completed = after;
    }
    if (review) {
      for (const item of removalsOwed(review)) review = (await this.ensureRemoval(review, item)) ?? review;
      if (review.status === 'completed' && (completed || slot?.openReviewId === review.id)) await this.finish(review);
      if (completed) this.changed(review);
      else if (review.status === 'open') await this.flush(review.id);
    }
    const latest = await readSlot(this.deps.storage, this.options.logger, configuration);
    if (!latest?.openReviewId && scheduledReviewDue(this.options.everyDays, latest?.lastCompletedAt, latest?.lastStartedAt, this.deps.clock.now())) {
      const started = await this.start(configuration, { aadObjectId: 'system', name: `the schedule (every ${this.options.everyDays} days)` });
      if (!started.ok && started.code !== 'already-open')
        this.options.logger?.warn({ configuration, problem: started.message }, 'scheduled scope review did not start');
    }
    return completed;
  }

  // -------------------------------------------------------------------------------------------
  // Cards

  private async publish(review: Review): Promise<void> {
    const targets = await this.deps.audience.targetsFor('approvals', review.configuration);
    await this.deps.outbox.publish(
      reviewSubject(review.id),
      review.version,
      targets.map((target) => ({ target, role: 'approvers' })),
    );
    this.track(this.flush(review.id));
  }

  /** Every copy shows the review's current state. */
  private changed(review: Review): void {
    this.track(this.deps.outbox.changed(reviewSubject(review.id), review.version).then(() => this.flush(review.id)));
  }

  private async flush(id: string): Promise<void> {
    await this.deps.outbox.flush(reviewSubject(id)).catch((err) => this.options.logger?.warn({ err, id }, 'review card update failed'));
  }

  private track(p: Promise<unknown>): void {
    this.inflight.add(p);
    p.catch((err) => this.options.logger?.error({ err }, 'scope review background work failed')).finally(() => this.inflight.delete(p));
  }

  /** An audit event with a fixed id: writing it again (a retry, a second instance) never makes a second one. */
  private async auditOnce(
    id: string,
    at: string,
    actor: ReviewPerson,
    action: 'review.started' | 'review.decided' | 'review.completed',
    review: Review,
    detail: string,
  ): Promise<void> {
    try {
      await this.deps.audit.appendRecord({
        schemaVersion: 1,
        id,
        at: new Date(at).toISOString(),
        actor: actor.aadObjectId === REVIEW_SYSTEM.aadObjectId ? 'system' : { aadObjectId: actor.aadObjectId, name: actor.name },
        action,
        configuration: review.configuration,
        target: review.id,
        outcome: 'ok',
        detail: detail.slice(0, 2000),
      });
    } catch (err) {
      if (err instanceof AuditRewriteError) return;
      this.options.logger?.error({ err, action, id: review.id }, 'AUDIT WRITE FAILED');
    }
  }
}

function describe(item: ReviewItem): string {
  return item.kind === 'group' ? `group ${item.displayName}` : `user ${item.user?.userPrincipalName ?? item.displayName}`;
}
