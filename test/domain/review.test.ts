import {
  applyDeadline,
  counts,
  decideItem,
  firstOpenPage,
  newReviewId,
  pageOf,
  parseReview,
  recordRemoval,
  removalsOwed,
  scheduledReviewDue,
  startReview,
  type ReviewItem,
} from '../../src/domain/review';
import { parseCommand } from '../../src/domain/commands';
import { removalRequestId } from '../../src/services/scopeReview';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 23, 10);
const MEGAN = { aadObjectId: 'megan', name: 'Megan Bowen' };
const ADELE = { aadObjectId: 'adele', name: 'Adele Vance' };

const user = (id: string, name: string): Omit<ReviewItem, 'decision' | 'removal'> => ({
  id,
  kind: 'user',
  displayName: name,
  user: { enabled: true, guest: false, external: false, lastSignIn: null, privilegedRoles: [] },
});
const group = (id: string, name: string): Omit<ReviewItem, 'decision' | 'removal'> => ({
  id,
  kind: 'group',
  displayName: name,
  group: { members: 3, nestedGroups: [], guests: 0, privileged: [], privilegedChecked: 3 },
});

const review = (items = [user('u2', 'Zed'), group('g1', 'Sync'), user('u1', 'Ada')]) =>
  startReview({ id: 'REV-AAAAA', configuration: 'c', by: MEGAN, now: T0, items });

describe('scope review rules', () => {
  it('starts open with a deadline reviewDays ahead, groups first then users by name, and validates as stored', () => {
    const r = startReview({
      id: 'REV-AAAAA',
      configuration: 'c',
      by: MEGAN,
      now: T0,
      days: 7,
      defaultVerdict: 'remove',
      items: [user('u2', 'Zed'), group('g1', 'Sync'), user('u1', 'Ada')],
    });
    expect(r.status).toBe('open');
    expect(r.deadline).toBe(new Date(T0 + 7 * DAY).toISOString());
    expect(r.defaultVerdict).toBe('remove');
    expect(r.items.map((i) => i.id)).toEqual(['g1', 'u1', 'u2']);
    expect(parseReview(JSON.parse(JSON.stringify(r)))).toEqual(r);
    expect(review().deadline).toBe(new Date(T0 + 14 * DAY).toISOString());
    expect(review().defaultVerdict).toBe('keep');
  });

  it('an empty scope completes at once', () => {
    const r = review([]);
    expect(r.status).toBe('completed');
    expect(r.completedBecause).toBe('all-decided');
  });

  it('a decision is final: the second one on the same item is refused and names who decided', () => {
    const first = decideItem(review(), 'u1', 'keep', MEGAN, T0 + 1000);
    if (!first.ok) throw new Error(first.message);
    expect(first.item.decision).toMatchObject({ verdict: 'keep', by: MEGAN, byDefault: false });
    expect(first.next.version).toBe(2);
    const again = decideItem(first.next, 'u1', 'remove', ADELE, T0 + 2000);
    expect(again).toEqual({ ok: false, code: 'already-decided', message: 'Ada was already marked Keep by Megan Bowen.' });
    expect(decideItem(first.next, 'nope', 'keep', ADELE, T0)).toMatchObject({ ok: false, code: 'unknown-item' });
  });

  it('past the deadline a click is refused, before the sweep has applied the default', () => {
    const late = decideItem(review(), 'u1', 'remove', MEGAN, T0 + 14 * DAY);
    expect(late).toEqual({ ok: false, code: 'not-open', message: 'Review REV-AAAAA passed its deadline; undecided items get Keep.' });
    expect(decideItem(review(), 'u1', 'remove', MEGAN, T0 + 14 * DAY - 1).ok).toBe(true);
  });

  it('completes when the last item is decided; a completed review takes no decisions', () => {
    let r = review();
    for (const [id, v] of [
      ['g1', 'keep'],
      ['u1', 'remove'],
    ] as const) {
      const d = decideItem(r, id, v, MEGAN, T0);
      if (!d.ok) throw new Error(d.message);
      expect(d.completed).toBe(false);
      r = d.next;
    }
    const last = decideItem(r, 'u2', 'keep', ADELE, T0 + 5);
    if (!last.ok) throw new Error(last.message);
    expect(last.completed).toBe(true);
    expect(last.next).toMatchObject({ status: 'completed', completedBecause: 'all-decided', completedAt: new Date(T0 + 5).toISOString() });
    expect(counts(last.next)).toEqual({ total: 3, kept: 2, removed: 1, undecided: 0 });
    expect(decideItem(last.next, 'u2', 'remove', ADELE, T0)).toMatchObject({ ok: false, code: 'not-open' });
  });

  it('at the deadline undecided items get the default (by the system), decided ones keep theirs; not before', () => {
    const d = decideItem(review(), 'u1', 'remove', MEGAN, T0);
    if (!d.ok) throw new Error(d.message);
    expect(applyDeadline(d.next, T0 + 14 * DAY - 1)).toBeUndefined();
    const done = applyDeadline(d.next, T0 + 14 * DAY)!;
    expect(done).toMatchObject({ status: 'completed', completedBecause: 'deadline' });
    expect(done.items.find((i) => i.id === 'u1')!.decision).toMatchObject({ verdict: 'remove', by: MEGAN, byDefault: false });
    expect(done.items.find((i) => i.id === 'g1')!.decision).toMatchObject({ verdict: 'keep', byDefault: true });
    expect(applyDeadline(done, T0 + 20 * DAY)).toBeUndefined();
    const removeByDefault = applyDeadline({ ...review(), defaultVerdict: 'remove' }, T0 + 15 * DAY)!;
    expect(removalsOwed(removeByDefault).map((i) => i.id)).toEqual(['g1', 'u1', 'u2']);
  });

  it('removals owed are those marked Remove without a recorded request; recording is idempotent', () => {
    const d = decideItem(review(), 'u1', 'remove', MEGAN, T0);
    if (!d.ok) throw new Error(d.message);
    expect(removalsOwed(d.next).map((i) => i.id)).toEqual(['u1']);
    const rec = recordRemoval(d.next, 'u1', { requestId: 'REQ-AAAAA', state: 'requested' })!;
    expect(removalsOwed(rec)).toEqual([]);
    expect(recordRemoval(rec, 'u1', { requestId: 'REQ-AAAAA', state: 'requested' })).toBeUndefined();
  });

  it('pages of 20, clamped; the shared copy shows the first page with undecided items', () => {
    const items = Array.from({ length: 45 }, (_, i) => user(`u${String(i).padStart(2, '0')}`, `User ${String(i).padStart(2, '0')}`));
    let r = review(items);
    expect(pageOf(r, 1)).toMatchObject({ page: 1, pages: 3 });
    expect(pageOf(r, 3).items).toHaveLength(5);
    expect(pageOf(r, 99).page).toBe(3);
    expect(pageOf(r, 0).page).toBe(1);
    expect(pageOf(r, Number.NaN).page).toBe(1);
    for (let i = 0; i < 21; i++) {
      const d = decideItem(r, `u${String(i).padStart(2, '0')}`, 'keep', MEGAN, T0);
      if (!d.ok) throw new Error(d.message);
      r = d.next;
    }
    expect(firstOpenPage(r)).toBe(2);
  });

  it('the schedule: off without everyDays; due when none ran or the last completed everyDays ago', () => {
    expect(scheduledReviewDue(undefined, undefined, undefined, T0)).toBe(false);
    expect(scheduledReviewDue(90, undefined, undefined, T0)).toBe(true);
    expect(scheduledReviewDue(90, new Date(T0 - 89 * DAY).toISOString(), undefined, T0)).toBe(false);
    expect(scheduledReviewDue(90, new Date(T0 - 90 * DAY).toISOString(), undefined, T0)).toBe(true);
  });

  it('ids: REV- with the request-id alphabet; the removal request id is the same for the same review and item', () => {
    expect(newReviewId(() => 0)).toBe('REV-00000');
    const a = removalRequestId('REV-AAAAA', 'E1C7A3F0-92b4-4d6e-8a15-7c3b9d2f4e61');
    expect(a).toMatch(/^REQ-[0-9A-Z]{5}$/);
    expect(removalRequestId('REV-AAAAA', 'e1c7a3f0-92b4-4d6e-8a15-7c3b9d2f4e61')).toBe(a);
    expect(removalRequestId('REV-BBBBB', 'e1c7a3f0-92b4-4d6e-8a15-7c3b9d2f4e61')).not.toBe(a);
  });
});

describe('review grammar', () => {
  it.each([
    ['review contoso-to-fabrikam', { kind: 'review', config: 'contoso-to-fabrikam' }],
    ['review', { kind: 'review' }],
    ['review status contoso-to-fabrikam', { kind: 'reviewStatus', config: 'contoso-to-fabrikam' }],
    ['Review Status', { kind: 'reviewStatus' }],
  ])('%s', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it('bad input says what was wrong and what to type', () => {
    expect(parseCommand('review a b')).toMatchObject({ kind: 'invalid', problem: 'review takes one configuration name.', usage: 'review [<configuration>]' });
    expect(parseCommand('review all')).toMatchObject({ kind: 'invalid', problem: expect.stringContaining('one configuration at a time') as unknown });
    expect(parseCommand('review status "x y"')).toMatchObject({ kind: 'invalid', command: 'review status', usage: 'review status [<configuration>]' });
  });
});
