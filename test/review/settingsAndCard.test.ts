/** The estate's review settings (zod, clear messages) and the review card's paging and size at 20 items a page. */
import { parseEstate } from '../../src/config';
import { decideItem, startReview, type ReviewItem } from '../../src/domain/review';
import { reviewCard } from '../../src/teams/review';
import { MAX_CARD_BYTES } from '../../src/teams/cards';
import { buttons } from '../approvals/helpers';
import { cardText } from '../harness/activities';

const A = 'a5f2c9d1-3b7e-4c8a-9f16-2d4e8b0c7a31';
const B = 'b6e3d0e2-4c8f-4d9b-8a27-3e5f9c1d8b42';
const estate = (extra: Record<string, unknown>) => ({
  homeTenantId: A,
  tenants: [
    { id: A, name: 'Contoso' },
    { id: B, name: 'Fabrikam' },
  ],
  configurations: [{ name: 'c', sourceTenantId: A, targetTenantId: B, servicePrincipalId: '9c725e4b-4d6f-4819-b5c0-27e084dafa1c' }],
  ...extra,
});
const messages = (extra: Record<string, unknown>) => {
  const r = parseEstate(estate(extra));
  return r.ok ? [] : r.problems.map((p) => p.message);
};

describe('review settings in the estate', () => {
  it('defaults: no schedule, 14 days, keep', () => {
    const r = parseEstate(estate({}));
    if (!r.ok) throw new Error('invalid');
    expect(r.estate).toMatchObject({ reviewDays: 14, reviewDefault: 'keep' });
    expect(r.estate.reviewEveryDays).toBeUndefined();
  });

  it('bad values are named with what to write', () => {
    expect(messages({ reviewDefault: 'delete' }).join()).toContain('reviewDefault must be "keep" or "remove"');
    expect(messages({ reviewDays: 0 }).join()).toContain('reviewDays must be at least 1');
    expect(messages({ reviewDays: '14' }).join()).toContain('reviewDays must be a number of days');
    expect(messages({ reviewEveryDays: 7, reviewDays: 14 }).join()).toContain('reviewEveryDays (7) must be at least reviewDays (14)');
    expect(messages({ reviewEveryDays: 90, reviewDays: 14, reviewDefault: 'remove' })).toEqual([]);
  });
});

describe('the review card', () => {
  const long = 'x'.repeat(120);
  const items: Omit<ReviewItem, 'decision' | 'removal'>[] = Array.from({ length: 45 }, (_, i) => {
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    return i % 3 === 0
      ? {
          id,
          kind: 'group',
          displayName: `Group ${i} ${long}`,
          group: {
            members: 500,
            nestedGroups: Array.from({ length: 8 }, (_, n) => `Nested ${n} ${long}`),
            guests: 4,
            privileged: Array.from({ length: 8 }, (_, n) => `Admin ${n} (Global Administrator)`),
            privilegedChecked: 20,
          },
        }
      : {
          id,
          kind: 'user',
          displayName: `User ${i} ${long}`,
          user: {
            userPrincipalName: `user${i}.${long}@contoso.onmicrosoft.com`,
            enabled: i % 2 === 0,
            guest: false,
            external: i % 5 === 0,
            lastSignIn: '2026-10-01T08:00:00Z',
            privilegedRoles: ['Global Administrator'],
          },
        };
  });
  const T0 = Date.UTC(2026, 10, 23);
  const review = startReview({ id: 'REV-7K2M9', configuration: 'c', by: { aadObjectId: 'm', name: 'Megan Bowen' }, now: T0, items });

  it('20 items a page with Keep/Remove each, Previous/Next carrying the page, under 28 KB even with long names', () => {
    for (const page of [1, 2, 3]) {
      const r = reviewCard(review, page, T0);
      if (!('card' in r)) throw new Error('no card');
      expect(Buffer.byteLength(JSON.stringify(r.card))).toBeLessThan(MAX_CARD_BYTES);
      const b = buttons(r.card);
      expect(b.filter((x) => x.verb === 'review.keep')).toHaveLength(page === 3 ? 5 : 20);
      expect(b.filter((x) => x.verb === 'review.page').map((x) => x.data.page)).toEqual(page === 1 ? [2] : page === 2 ? [1, 3] : [2]);
      expect(cardText(r.card)).toContain(`Page ${page} of 3`);
    }
  });

  it("the starter's name from Teams cannot become a link or a bidi trick on the card", () => {
    const named = startReview({
      id: 'REV-7K2M9',
      configuration: 'c',
      by: { aadObjectId: 'm', name: '[Click](https://evil.example) \u202eMegan' },
      now: T0,
      items,
    });
    const r = reviewCard(named, 1, T0);
    if (!('card' in r)) throw new Error('no card');
    const text = cardText(r.card);
    expect(text).not.toContain('](https://evil.example)');
    expect(text).not.toContain('\u202e');
    expect(text).toContain('by [Click]\u200b(https://evil.example) Megan');
  });

  it('decided items show who decided and lose their buttons; without AuditLog.Read.All every user says so', () => {
    const d = decideItem(review, items[1].id, 'remove', { aadObjectId: 'a', name: 'Adele Vance' }, T0);
    if (!d.ok) throw new Error(d.message);
    const r = reviewCard(d.next, 1, T0);
    if (!('card' in r)) throw new Error('no card');
    expect(cardText(r.card)).toContain('Remove — by Adele Vance · removal request being created');
    expect(buttons(r.card).filter((x) => x.data.itemId === items[1].id)).toEqual([]);
    expect(cardText(r.card)).toContain('last sign-in 2026-10-01');
    const unreadable = reviewCard({ ...review, signInNote: 'last sign-in: not readable (needs AuditLog.Read.All)' }, 1, T0);
    if (!('card' in unreadable)) throw new Error('no card');
    expect(cardText(unreadable.card)).not.toContain('last sign-in 2026');
    expect(cardText(unreadable.card)).toContain('last sign-in: not readable (needs AuditLog.Read.All)');
  });
});
