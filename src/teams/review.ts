/**
 * Teams side of the periodic scope review: `review <configuration>` and `review status <configuration>`, the card
 * (cards/review.json) and its buttons (Action.Execute verbs review.keep / review.remove / review.page).
 *
 * Paging: a card shows REVIEW_PAGE_SIZE items; Previous / Next are Action.Execute buttons whose data carries the page
 * number, answered with that page for the person who clicked. The copies the outbox keeps in the approvers'
 * conversations show the first page with undecided items. Card data carries ids, the verb and a page number only;
 * identity comes from the activity and roles are resolved afresh before a decision.
 */
import type { Application } from '@microsoft/teams-ai';
import { ActivityTypes, type TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { Clock } from '../domain/clock';
import { counts, firstOpenPage, label, pageOf, type Review, type ReviewItem } from '../domain/review';
import type { Logger } from '../logger';
import type { CardRenderer } from '../services/ports';
import { SIGN_IN_UNREADABLE } from '../services/reviewScope';
import type { ScopeReviews } from '../services/scopeReview';
import type { CommandHandler } from './app';
import { CardTooLargeError, plain, renderCard, type AdaptiveCard } from './cards';
import { ago, plural } from './format';
import type { Gate } from './gate';
import { notice, type Reply } from './reply';
import { targetOf } from './alerts';
import { noteTurn } from './turnLog';

export const REVIEW_VERBS = ['review.keep', 'review.remove', 'review.page'] as const;
type ReviewVerb = (typeof REVIEW_VERBS)[number];
/** `review` starts something: its permission is checked with roles resolved afresh. */
export const REVIEW_CHANGING = ['review'] as const;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ButtonData = z
  .object({
    reviewId: z.string().regex(/^REV-[0-9A-Z]{5}$/),
    itemId: z.string().regex(GUID).optional(),
    verb: z.enum(REVIEW_VERBS).optional(),
    page: z.coerce.number().int().min(1).max(10_000).optional(),
  })
  .strict();

export interface ReviewRouteDeps {
  reviews: ScopeReviews;
  gate: Gate;
  clock: Clock;
  logger: Logger;
}

const day = (iso: string) => iso.slice(0, 10);

function itemFacts(review: Review, item: ReviewItem, now: number): { kind: string; facts: string; warning: string } {
  if (item.kind === 'group' && item.group) {
    const g = item.group;
    const parts = [`${plural(g.members, 'direct member')}`];
    if (g.nestedGroups.length)
      parts.push(
        `${plural(g.nestedGroups.length, 'nested group')} (not synced): ${g.nestedGroups.slice(0, 5).join(', ')}${g.nestedGroups.length > 5 ? ', …' : ''}`,
      );
    if (g.guests) parts.push(`${plural(g.guests, 'guest')} (skipped)`);
    const warning = g.privileged.length
      ? `privileged members (of ${g.privilegedChecked} checked): ${g.privileged.slice(0, 5).join('; ')}${g.privileged.length > 5 ? '; …' : ''}`
      : '';
    return { kind: 'group', facts: parts.join(' · '), warning };
  }
  const u = item.user;
  if (!u) return { kind: item.kind, facts: '', warning: '' };
  const parts = [u.userPrincipalName ?? '', u.enabled === false ? 'disabled' : u.enabled === true ? 'enabled' : 'enabled: unknown'];
  if (review.signInNote) parts.push(SIGN_IN_UNREADABLE);
  else if (u.lastSignIn === null) parts.push('never signed in');
  else if (u.lastSignIn) parts.push(`last sign-in ${day(u.lastSignIn)} (${ago(u.lastSignIn, now)})`);
  if (u.guest) parts.push('guest (not synced)');
  else if (u.external) parts.push('external account (not synced)');
  const warning = u.privilegedRoles.length ? `privileged: ${u.privilegedRoles.join(', ')}` : '';
  return { kind: 'user', facts: parts.filter(Boolean).join(' · '), warning };
}

function decidedText(item: ReviewItem): { text: string; color: string } {
  const d = item.decision;
  if (!d) return { text: '', color: 'Default' };
  const who = d.byDefault ? 'by default at the deadline' : `by ${d.by.name}`;
  if (d.verdict === 'keep') return { text: `✅ Keep — ${who}`, color: 'Good' };
  const r = item.removal;
  const request = !r
    ? ' · removal request being created'
    : r.state === 'failed'
      ? ` · removal request not made: ${r.note ?? 'failed'}`
      : ` · removal request ${r.requestId}${r.note ? ` (${r.note})` : ''}: a second approver decides it`;
  return { text: `🗑️ Remove — ${who}${request}`, color: 'Attention' };
}

/**
 * How much of each item's text a card shows. Twenty items with two buttons each take about 13 KB of card structure, so
 * long names and fact lists are clipped harder until the card fits Teams' 28 KB (the full facts stay in the record).
 */
const CLIPS = [
  { name: 160, facts: 500, warning: 400, decided: 400 },
  { name: 80, facts: 220, warning: 140, decided: 180 },
  { name: 50, facts: 100, warning: 60, decided: 110 },
] as const;

/** The review card at one page. */
export function reviewCard(review: Review, page: number, now: number, note = ''): Reply {
  for (let i = 0; ; i++) {
    try {
      return renderReview(review, page, now, note, CLIPS[i]);
    } catch (err) {
      if (!(err instanceof CardTooLargeError) || i === CLIPS.length - 1) throw err;
    }
  }
}

function renderReview(review: Review, page: number, now: number, note: string, clip: (typeof CLIPS)[number]): Reply {
  const p = pageOf(review, page);
  const c = counts(review);
  const open = review.status === 'open';
  const title = open ? `Scope review ${review.id}: ${review.configuration}` : `Scope review ${review.id} completed: ${review.configuration}`;
  const summary = `${plural(c.total, 'item')} in scope: ${c.kept} keep, ${c.removed} remove, ${c.undecided} undecided.`;
  const outcome = open
    ? ''
    : review.completedBecause === 'deadline'
      ? `Completed at the deadline: undecided items got ${label(review.defaultVerdict)}.`
      : 'Completed: every item was decided.';
  const items = p.items.map((item) => {
    const f = itemFacts(review, item, now);
    const d = decidedText(item);
    return {
      id: item.id,
      reviewId: review.id,
      page: p.page,
      name: plain(item.displayName, clip.name),
      kind: f.kind,
      facts: plain(f.facts, clip.facts),
      warning: plain(f.warning, clip.warning),
      decided: plain(d.text, clip.decided),
      decidedColor: d.color,
      canDecide: open && !item.decision,
    };
  });
  const card = renderCard('review', {
    title,
    color: open ? 'Accent' : 'Good',
    summary,
    facts: [
      { title: 'Started', value: `${day(review.startedAt)} by ${plain(review.startedBy.name, 100)}` },
      { title: open ? 'Decide by' : 'Deadline', value: day(review.deadline) },
      { title: 'Undecided at the deadline', value: label(review.defaultVerdict) },
    ],
    note: plain(note || (review.signInNote ? `Some facts are missing: ${review.signInNote}.` : ''), 500),
    outcome,
    items,
    reviewId: review.id,
    pageText: `Page ${p.page} of ${p.pages}${open ? ' · Remove makes a removal request that a second approver approves.' : ''}`,
    hasPrevious: p.page > 1,
    hasNext: p.page < p.pages,
    previousPage: p.page - 1,
    nextPage: p.page + 1,
  });
  return { card, summary: `${title}. ${summary}` };
}

/** What the outbox shows in every approvers' conversation: the current state at the first page with work left. */
export function reviewCardRenderer(deps: Pick<ReviewRouteDeps, 'reviews' | 'clock'>): CardRenderer {
  return async (id) => {
    const review = await deps.reviews.get(id);
    if (!review) return undefined;
    const r = reviewCard(review, firstOpenPage(review), deps.clock.now());
    return 'card' in r ? { card: r.card, summary: r.summary } : undefined;
  };
}

const USAGE = 'Type: review <configuration>   or   review status <configuration>';

/** `review [<configuration>]`: starts a review; its card goes to the approvals subscribers. */
export function reviewHandler(deps: ReviewRouteDeps): CommandHandler<'review'> {
  return async (turn, command) => {
    const by = { aadObjectId: turn.caller.aadObjectId, name: turn.caller.name };
    const started = await deps.reviews.start(command.config, by);
    if (!started.ok) {
      if (started.code === 'already-open' && started.review) {
        return { ...reviewCard(started.review, firstOpenPage(started.review), deps.clock.now(), `${started.message} ${started.hint}`), outcome: 'refused' };
      }
      return notice(started.title, started.message, {
        hint: started.code === 'unknown-configuration' ? `${started.hint}\n${USAGE}` : started.hint,
        style: 'warning',
        outcome: started.code === 'unknown-configuration' ? 'invalid' : 'failed',
      });
    }
    const review = started.review;
    const places = await deps.reviews.placesFor(review);
    const sent = `Review ${review.id} started; the card was sent to the approvers in ${plural(places.length, 'place')}.`;
    // Typed in an approvers' conversation: the outbox posts the card there, so the reply does not post a second one.
    const here = targetOf(turn.context.activity)?.key;
    if (here && places.includes(here)) return notice(`Scope review ${review.id} started`, sent, { style: 'good' });
    const note = places.length
      ? sent
      : 'Review started. No conversation is subscribed to approvals for this configuration, so decide here (or "subscribe approvals" in the approvers\' channel).';
    return reviewCard(review, 1, deps.clock.now(), note);
  };
}

/** `review status [<configuration>]`: the open review, else the last one. */
export function reviewStatusHandler(
  deps: ReviewRouteDeps & { configs: { resolve(name?: string): { ok: true; config: { name: string } } | { ok: false; problem: string; hint: string } } },
): CommandHandler<'reviewStatus'> {
  return async (_turn, command) => {
    const found = deps.configs.resolve(command.config);
    if (!found.ok) return notice('Unknown configuration', found.problem, { hint: `${found.hint}\n${USAGE}`, style: 'warning', outcome: 'invalid' });
    const review = await deps.reviews.current(found.config.name);
    if (!review)
      return notice('No scope review yet', `No scope review of ${found.config.name} has run.`, { hint: `Type "review ${found.config.name}" to start one.` });
    return reviewCard(review, firstOpenPage(review), deps.clock.now());
  };
}

/** The card buttons. Every click is answered with a card for the clicker; state comes from storage, never the card. */
export function registerReviewRoutes(app: Application, deps: ReviewRouteDeps): void {
  const { reviews, gate, clock, logger } = deps;

  const answer = async (context: TurnContext, reply: Reply): Promise<AdaptiveCard> => {
    const card = 'card' in reply ? reply.card : ({ type: 'AdaptiveCard' } as AdaptiveCard);
    await context.sendActivity({
      type: ActivityTypes.InvokeResponse,
      value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card } },
    });
    return card;
  };

  const onButton = async (context: TurnContext, verb: ReviewVerb, raw: unknown): Promise<Reply> => {
    const parsed = ButtonData.safeParse(raw);
    if (!parsed.success || (parsed.data.verb && parsed.data.verb !== verb) || (verb !== 'review.page' && !parsed.data.itemId)) {
      logger.warn({ verb, problems: parsed.success ? ['verb or item'] : parsed.error.issues.map((i) => i.path.join('.')) }, 'review button data rejected');
      return notice('This card could not be read', 'Its data was changed or damaged, so nothing was done.', {
        hint: 'Type "review status <configuration>" for a fresh card.',
        style: 'warning',
        outcome: 'invalid',
      });
    }
    const data = parsed.data;
    const review = await reviews.get(data.reviewId);
    if (!review)
      return notice('No such review', `There is no scope review ${data.reviewId}.`, {
        hint: 'Type "review status <configuration>".',
        style: 'warning',
        outcome: 'not-found',
      });
    // Seeing the items (names, sign-ins, roles) and deciding both need the approver's permission for the configuration.
    const g = await gate.check(context, 'scope.approve', { fresh: verb !== 'review.page', configuration: review.configuration });
    if (!g.ok) return g.reply;
    const page = data.page ?? 1;
    if (verb === 'review.page') return reviewCard(review, page, clock.now());
    const outcome = await reviews.decide(review.id, data.itemId!, verb === 'review.keep' ? 'keep' : 'remove', {
      aadObjectId: g.caller.aadObjectId,
      tenantId: g.caller.tenantId,
      name: g.caller.name,
    });
    if (outcome.kind === 'not-found') return notice('No such review', `There is no scope review ${data.reviewId}.`, { style: 'warning', outcome: 'not-found' });
    if (outcome.kind === 'refused')
      return {
        ...reviewCard(outcome.review, page, clock.now(), `${outcome.message} Nothing was changed.`),
        outcome: outcome.code === 'not-allowed' ? 'refused' : 'invalid',
      };
    const d = outcome.item.decision!;
    const note =
      d.verdict === 'keep'
        ? `${outcome.item.displayName}: Keep.`
        : `${outcome.item.displayName}: Remove.${outcome.item.removal?.state === 'requested' ? ` Removal request ${outcome.item.removal.requestId} waits for a second approver.` : ''}`;
    return reviewCard(outcome.review, page, clock.now(), note);
  };

  for (const verb of REVIEW_VERBS) {
    app.adaptiveCards.actionExecute(verb, async (context, _state, raw) => {
      let reply: Reply;
      try {
        reply = await onButton(context, verb, raw);
      } catch (err) {
        logger.error({ err, verb }, 'review button failed');
        reply = notice(
          'Something went wrong',
          'I could not finish that. The error is logged; look at the review again in a moment ("review status <configuration>").',
          { style: 'error', outcome: 'failed' },
        );
      }
      noteTurn(context, { command: verb, outcome: reply.outcome ?? 'ok' });
      return answer(context, reply);
    });
  }
}
