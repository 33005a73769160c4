import fc from 'fast-check';
import {
  OPERATORS,
  attributesInTarget,
  evaluateRule,
  evaluateRuleText,
  parseRule,
  printRule,
  type AttributeLookup,
  type RuleNode,
  type Scalar,
} from '../../src/domain/membershipRule';

const user =
  (attrs: Record<string, Scalar>): AttributeLookup =>
  (a) =>
    a in attrs ? attrs[a]! : null;

describe('membership rules: what the bot evaluates', () => {
  const sales = user({ department: 'Sales', country: 'NL', jobtitle: 'Account Manager', usertype: 'Member', accountenabled: true });

  it.each([
    ['(user.department -eq "sales")', 'match'],
    ['user.department -eq "Sales" -and user.country -eq "DE"', 'noMatch'],
    ['(user.department -eq "Sales") -or (user.country -eq "DE")', 'match'],
    ['-not (user.department -eq "Sales")', 'noMatch'],
    ['(user.department -ne "Finance")', 'match'],
    ['(user.jobTitle -startsWith "account")', 'match'],
    ['(user.jobTitle -notStartsWith "Account")', 'noMatch'],
    ['(user.jobTitle -contains "MANAGER")', 'match'],
    ['(user.jobTitle -notContains "manager")', 'noMatch'],
    ['(user.jobTitle -match "^Acc.*ger$")', 'match'],
    ['(user.jobTitle -notMatch "^Acc")', 'noMatch'],
    ['(user.country -in ["nl","be"])', 'match'],
    ['(user.country -notIn ["NL"])', 'noMatch'],
    ['(user.city -eq null)', 'match'],
    ['(user.city -ne $null)', 'noMatch'],
    ['(user.accountEnabled -eq true) -and (user.userType -eq "Member")', 'match'],
    ['(user.department -eq "Sa`"les")', 'noMatch'],
    ['((user.department -eq "HR") -or (user.department -eq "Sales")) -and -not (user.country -eq "US")', 'match'],
    ['(user.department -EQ "Sales") -AND (user.country -Eq "NL")', 'match'],
  ])('%s → %s', (rule, kind) => {
    expect(evaluateRuleText(rule, sales).kind).toBe(kind);
  });

  it.each([
    ['(device.deviceOSType -eq "Windows")', 'device property'],
    ['(user.assignedPlans -any (assignedPlan.servicePlanId -eq "efb87545" -and assignedPlan.capabilityStatus -eq "Enabled"))', '-any operator'],
    ['user.memberof -any (group.objectId -in ["a"])', '-any operator'],
    ['(user.department -eq "Sales"', 'not closed'],
    ['(user.department -like "Sales")', 'unknown operator -like'],
    ['', 'empty'],
  ])('%s → cannot evaluate (%s)', (rule, why) => {
    const r = evaluateRuleText(rule, sales);
    expect(r.kind).toBe('cannotEvaluate');
    expect(r.kind === 'cannotEvaluate' && r.reason).toContain(why);
  });

  it('an unknown attribute makes the answer unknown unless the other side decides it', () => {
    const lookup: AttributeLookup = (a) => (a === 'department' ? 'Sales' : { unknown: `user.${a} is computed by an expression` });
    expect(evaluateRuleText('(user.extensionAttribute1 -eq "x")', lookup)).toEqual({
      kind: 'cannotEvaluate',
      reason: 'user.extensionattribute1 is computed by an expression',
    });
    expect(evaluateRuleText('(user.department -eq "HR") -and (user.city -eq "x")', lookup).kind).toBe('noMatch');
    expect(evaluateRuleText('(user.department -eq "Sales") -or (user.city -eq "x")', lookup).kind).toBe('match');
    expect(evaluateRuleText('(user.department -eq "Sales") -and (user.city -eq "x")', lookup).kind).toBe('cannotEvaluate');
  });
});

describe('a -match pattern from another tenant', () => {
  it('is not run when it could backtrack for exponential time (or is very long): cannot evaluate, with the reason', () => {
    const someone = user({ jobtitle: 'a'.repeat(40) + '!' });
    const evil = evaluateRuleText('(user.jobTitle -match "^(a+)+$")', someone);
    expect(evil).toEqual({ kind: 'cannotEvaluate', reason: 'its regular expression ^(a+)+$ could run too long to evaluate safely' });
    const long = evaluateRuleText(`(user.jobTitle -match "${'a'.repeat(201)}")`, someone);
    expect(long.kind).toBe('cannotEvaluate');
    expect(evaluateRuleText('(user.jobTitle -match "^a+!$")', someone)).toEqual({ kind: 'match' });
  });
});

describe('the attributes a user would get in the target', () => {
  const mappings = [
    { target: 'displayName', sourceType: 'Attribute', source: 'displayName' },
    { target: 'department', sourceType: 'Attribute', source: '[department]' },
    { target: 'userType', sourceType: 'Constant', source: '"Member"' },
    { target: 'companyName', sourceType: 'Constant', source: 'Contoso' },
    { target: 'showInAddressList', sourceType: 'Function', source: 'CBool("true")' },
    { target: 'jobTitle', sourceType: 'Attribute', source: 'extension_abc_title' },
  ];
  const lookup = attributesInTarget({ displayname: 'Lee Gu', department: 'Sales' }, mappings);

  it('Direct copies the source value, Constant sets it, a function is unknown, unmapped is empty', () => {
    expect(lookup('department')).toBe('Sales');
    expect(lookup('usertype')).toBe('Member');
    expect(lookup('companyname')).toBe('Contoso');
    expect(lookup('showinaddresslist')).toEqual({ unknown: expect.stringContaining('expression') as unknown });
    expect(lookup('jobtitle')).toEqual({ unknown: expect.stringContaining('did not read') as unknown });
    expect(lookup('city')).toBeNull();
    expect(lookup('userprincipalname')).toEqual({ unknown: expect.stringContaining('set by Entra') as unknown });
  });

  it('a rule is evaluated against the target view, not the source user', () => {
    expect(evaluateRuleText('(user.companyName -eq "Contoso") -and (user.department -eq "Sales")', lookup).kind).toBe('match');
    expect(evaluateRuleText('(user.city -eq "Amsterdam")', lookup).kind).toBe('noMatch');
    expect(evaluateRuleText('(user.showInAddressList -eq true)', lookup).kind).toBe('cannotEvaluate');
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const ATTRS = ['department', 'country', 'jobTitle', 'city', 'companyName'];
const text = fc.string({ maxLength: 8, unit: fc.constantFrom('a', 'B', 'c', '"', '`', ' ', 'é', '(', ']', '-', 'x', '.') });
const safeText = fc.string({ maxLength: 6, unit: fc.constantFrom('a', 'B', 'c', 'x', 'Y', ' ') });
const scalar: fc.Arbitrary<Scalar> = fc.oneof(text, fc.boolean(), fc.constant(null));

const cmp: fc.Arbitrary<RuleNode> = fc
  .record({ attribute: fc.constantFrom(...ATTRS), op: fc.constantFrom(...OPERATORS) })
  .chain(({ attribute, op }) =>
    (op === 'in' || op === 'notIn'
      ? fc.array(text, { minLength: 1, maxLength: 3 })
      : op === 'match' || op === 'notMatch'
        ? safeText
        : op === 'eq' || op === 'ne'
          ? scalar
          : text
    ).map((value) => ({ type: 'cmp' as const, attribute, op, value })),
  );

const rule: fc.Arbitrary<RuleNode> = fc.letrec<{ node: RuleNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    cmp,
    fc.record({ type: fc.constantFrom('and' as const, 'or' as const), left: tie('node'), right: tie('node') }),
    fc.record({ type: fc.constant('not' as const), expr: tie('node') }),
  ),
})).node;

const attributes = fc.record(Object.fromEntries(ATTRS.map((a) => [a.toLowerCase(), fc.oneof(safeText, fc.constant(null))])));

describe('membership rules: properties', () => {
  it('printing then parsing gives the same tree', () => {
    fc.assert(
      fc.property(rule, (r) => {
        expect(parseRule(printRule(r))).toEqual({ kind: 'rule', rule: r });
      }),
    );
  });

  it('a rule and its -not negation never both match (and never both fail to match)', () => {
    fc.assert(
      fc.property(rule, attributes, (r, attrs) => {
        const lookup = user(attrs);
        const a = evaluateRule(r, lookup).kind;
        const b = evaluateRuleText(`-not ${printRule(r)}`, lookup).kind;
        if (a === 'cannotEvaluate') expect(b).toBe('cannotEvaluate');
        else expect(new Set([a, b])).toEqual(new Set(['match', 'noMatch']));
      }),
    );
  });

  it('-eq ignores case, as Entra does', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ATTRS), fc.string({ minLength: 1, maxLength: 10 }), fc.array(fc.boolean(), { maxLength: 10 }), (attr, value, flips) => {
        const recased = Array.from(value)
          .map((c, i) => (flips[i] ? c.toUpperCase() : c.toLowerCase()))
          .join('');
        const lookup = user({ [attr.toLowerCase()]: recased });
        const r: RuleNode = { type: 'cmp', attribute: attr, op: 'eq', value };
        // Letters whose case mapping is not one-to-one (ß → SS) are outside what Entra promises.
        fc.pre(value.toLowerCase() === recased.toLowerCase());
        expect(evaluateRule(r, lookup).kind).toBe('match');
      }),
    );
  });

  it('-ne is the opposite of -eq, and -notIn of -in, on every value', () => {
    fc.assert(
      fc.property(cmp, attributes, (c, attrs) => {
        if (c.type !== 'cmp') return;
        const twin: Record<string, string> = {
          eq: 'ne',
          ne: 'eq',
          in: 'notIn',
          notIn: 'in',
          startsWith: 'notStartsWith',
          notStartsWith: 'startsWith',
          contains: 'notContains',
          notContains: 'contains',
          match: 'notMatch',
          notMatch: 'match',
        };
        const lookup = user(attrs);
        const a = evaluateRule(c, lookup).kind;
        const b = evaluateRule({ ...c, op: twin[c.op] as typeof c.op }, lookup).kind;
        expect(a === 'match').toBe(b === 'noMatch');
      }),
    );
  });
});
