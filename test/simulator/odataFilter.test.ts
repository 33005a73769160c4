import fc from 'fast-check';
import { FilterSyntaxError, filterProperties, matches, parseFilter, quoteODataString } from '../../src/simulator/odata/filter';

const ci = { caseInsensitive: true };

describe('OData $filter parser', () => {
  it('parses eq, startswith, and/or/not with precedence', () => {
    const t = parseFilter("userType eq 'Member' and (startswith(displayName,'Meg') or accountEnabled eq false)");
    expect(filterProperties(t).sort()).toEqual(['accountEnabled', 'displayName', 'userType']);
    expect(matches(t, { userType: 'Member', displayName: 'Megan', accountEnabled: true }, ci)).toBe(true);
    expect(matches(t, { userType: 'Member', displayName: 'Lee', accountEnabled: true }, ci)).toBe(false);
    expect(matches(t, { userType: 'Guest', displayName: 'Megan', accountEnabled: false }, ci)).toBe(false);
    expect(matches(parseFilter("not(userType eq 'Guest')"), { userType: 'Member' }, ci)).toBe(true);
  });

  it('compares dates and nested property paths, case-sensitively when asked', () => {
    const t = parseFilter("servicePrincipal/id eq 'abc' and activityDateTime gt 2026-01-01 and activityDateTime lt 2026-01-02T00:00:00Z");
    const log = { servicePrincipal: { id: 'abc' }, activityDateTime: '2026-01-01T10:00:00Z' };
    expect(matches(t, log, { caseInsensitive: false })).toBe(true);
    expect(matches(t, { ...log, activityDateTime: '2026-01-03T00:00:00Z' }, { caseInsensitive: false })).toBe(false);
    expect(matches(parseFilter("provisioningAction eq 'STAGEDDELETE'"), { provisioningAction: 'stagedDelete' }, { caseInsensitive: false })).toBe(false);
    expect(matches(parseFilter("userPrincipalName eq 'MEGANB@X'"), { userPrincipalName: 'meganb@x' }, ci)).toBe(true);
  });

  it.each(["userType eq 'Member", 'userType eq', "eq 'x'", 'startswith(displayName)', "a eq 'x' b", "foo(bar,'x')", "userType eq 'x' ; drop", ''])(
    'rejects malformed filter %p',
    (src) => {
      expect(() => parseFilter(src)).toThrow(FilterSyntaxError);
    },
  );

  it('round-trips any string through quoteODataString: a quote never breaks out', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const tree = parseFilter(`userPrincipalName eq ${quoteODataString(s)}`);
        expect(tree).toMatchObject({
          kind: 'compare',
          op: 'eq',
          left: { kind: 'property', path: ['userPrincipalName'] },
          right: { kind: 'literal', value: s },
        });
        return true;
      }),
      { numRuns: 500 },
    );
  });

  it('an injected value only ever matches itself, even when it looks like OData', () => {
    const hostile = fc.oneof(
      fc.string(),
      fc.constantFrom("x' or userType eq 'Member", "' or 1 eq 1 or '", "a'')", "O'Brien", "''", "'", "x' and startswith(displayName,'"),
    );
    fc.assert(
      fc.property(hostile, fc.string(), (value, other) => {
        const tree = parseFilter(`userPrincipalName eq ${quoteODataString(value)} and userType eq 'Guest'`);
        expect(filterProperties(tree).sort()).toEqual(['userPrincipalName', 'userType']);
        expect(matches(tree, { userPrincipalName: value, userType: 'Guest' }, { caseInsensitive: false })).toBe(true);
        if (other !== value) expect(matches(tree, { userPrincipalName: other, userType: 'Guest' }, { caseInsensitive: false })).toBe(false);
        expect(matches(tree, { userPrincipalName: value, userType: 'Member' }, { caseInsensitive: false })).toBe(false);
        return true;
      }),
      { numRuns: 500 },
    );
  });
});
