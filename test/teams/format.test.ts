import { ago, isoDuration, until } from '../../src/teams/format';

describe('how times read on cards', () => {
  const now = Date.UTC(2026, 10, 23, 12, 0, 0);
  it.each([
    ['PT40M', '40 min'],
    ['PT1M', '60 s'], // a minute, not the month the docs claim
    ['P1D', '24 h'],
    ['PT2H', '2 h'],
    ['junk', 'junk'],
    [null, 'unknown'],
  ])('isoDuration(%s) = %s', (value, words) => expect(isoDuration(value)).toBe(words));

  it("treats Graph's never-date as never", () => {
    expect(ago('0001-01-01T00:00:00Z', now)).toBe('never');
    expect(until('0001-01-01T00:00:00Z', now)).toBe('not scheduled');
    expect(ago(new Date(now - 5 * 60_000).toISOString(), now)).toBe('5 min ago');
    expect(until(new Date(now + 6 * 3600_000).toISOString(), now)).toBe('in 6 h');
  });
});
