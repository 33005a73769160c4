/**
 * Entra dynamic-group membership rules: a tokenizer, a parser and an evaluator for the common part of the syntax,
 * `(user.attribute -op value)` joined with -and / -or / -not and parentheses. Anything else (device rules, -any,
 * -all, -memberOf, -le, -ge, extension attributes we cannot know) is "cannot evaluate", with the reason, never a
 * guess. Pure: no I/O.
 *
 * Semantics follow the rule builder's documentation: string comparisons ignore case (as Entra's do), `null` (or
 * `$null`) is the empty value, a value may hold a double quote escaped with a backtick (`"). -match takes a regular
 * expression; that Entra matches it ignoring case is UNVERIFIED (no page we could read says), so we ignore case too,
 * which errs on the side of warning.
 */
import safeRegex from 'safe-regex2';

/** Longer -match patterns are not run: they are another tenant's data, and a rule is read on every add request. */
const MAX_PATTERN_LENGTH = 200;

export const OPERATORS = ['eq', 'ne', 'startsWith', 'notStartsWith', 'contains', 'notContains', 'match', 'notMatch', 'in', 'notIn'] as const;
export type Operator = (typeof OPERATORS)[number];
export type Scalar = string | boolean | null;

export type RuleNode =
  | { type: 'cmp'; attribute: string; op: Operator; value: Scalar | string[] }
  | { type: 'and' | 'or'; left: RuleNode; right: RuleNode }
  | { type: 'not'; expr: RuleNode };

export type ParsedRule = { kind: 'rule'; rule: RuleNode } | { kind: 'cannotEvaluate'; reason: string };
export type Verdict = { kind: 'match' } | { kind: 'noMatch' } | { kind: 'cannotEvaluate'; reason: string };

/** An attribute's value as the user would have it, or why it is not known. */
export type AttributeLookup = (attribute: string) => Scalar | { unknown: string };

/** Operators of the rule syntax we know but do not evaluate: named so the reason says which. */
const UNSUPPORTED_OPS = new Set(['any', 'all', 'memberof', 'le', 'ge', 'lt', 'gt']);
const OP_BY_LOWER = new Map(OPERATORS.map((o) => [o.toLowerCase(), o]));

type Token = { t: '(' | ')' | '[' | ']' | ',' } | { t: 'op'; v: string } | { t: 'str'; v: string } | { t: 'word'; v: string };

class RuleSyntaxError extends Error {}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if ('()[],'.includes(c)) {
      out.push({ t: c as '(' | ')' | '[' | ']' | ',' });
      i++;
    } else if (c === '"') {
      let v = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new RuleSyntaxError('a quoted value is not closed');
        const d = text[i];
        if (d === '`' && i + 1 < text.length) {
          v += text[i + 1];
          i += 2;
        } else if (d === '"') {
          i++;
          break;
        } else {
          v += d;
          i++;
        }
      }
      out.push({ t: 'str', v });
    } else if (c === '-' && /[A-Za-z]/.test(text[i + 1] ?? '')) {
      const m = /^-[A-Za-z]+/.exec(text.slice(i))!;
      out.push({ t: 'op', v: m[0].slice(1) });
      i += m[0].length;
    } else {
      const m = /^[^\s()[\],"]+/.exec(text.slice(i))!;
      out.push({ t: 'word', v: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): RuleNode {
    const node = this.or();
    if (this.i < this.tokens.length) throw new RuleSyntaxError(`unexpected ${describeToken(this.tokens[this.i])}`);
    return node;
  }

  private peekOp(name: string): boolean {
    const t = this.tokens[this.i];
    return t?.t === 'op' && t.v.toLowerCase() === name;
  }

  private or(): RuleNode {
    let left = this.and();
    while (this.peekOp('or')) {
      this.i++;
      left = { type: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): RuleNode {
    let left = this.unary();
    while (this.peekOp('and')) {
      this.i++;
      left = { type: 'and', left, right: this.unary() };
    }
    return left;
  }

  private unary(): RuleNode {
    if (this.peekOp('not')) {
      this.i++;
      return { type: 'not', expr: this.unary() };
    }
    const t = this.tokens[this.i];
    if (t?.t === '(') {
      this.i++;
      const inner = this.or();
      if (this.tokens[this.i]?.t !== ')') throw new RuleSyntaxError('a parenthesis is not closed');
      this.i++;
      return inner;
    }
    return this.comparison();
  }

  private comparison(): RuleNode {
    const prop = this.tokens[this.i++];
    if (!prop || prop.t !== 'word')
      throw new RuleSyntaxError(prop ? `expected a property such as user.department, found ${describeToken(prop)}` : 'the rule ends too early');
    const m = /^user\.([A-Za-z][A-Za-z0-9_]*)$/i.exec(prop.v);
    if (!m)
      throw new Unsupported(
        /^device\./i.test(prop.v) ? `it tests a device property (${prop.v})` : `it uses ${prop.v}, which is not a user property we can read`,
      );
    const opTok = this.tokens[this.i++];
    if (!opTok || opTok.t !== 'op') throw new RuleSyntaxError(`expected an operator after ${prop.v}`);
    const lower = opTok.v.toLowerCase();
    if (UNSUPPORTED_OPS.has(lower)) throw new Unsupported(`it uses the -${opTok.v} operator`);
    const op = OP_BY_LOWER.get(lower);
    if (!op) throw new RuleSyntaxError(`unknown operator -${opTok.v}`);
    const value = op === 'in' || op === 'notIn' ? this.list() : this.scalar();
    return { type: 'cmp', attribute: m[1], op, value };
  }

  private scalar(): Scalar {
    const t = this.tokens[this.i++];
    if (!t) throw new RuleSyntaxError('a value is missing at the end');
    if (t.t === 'str') return t.v;
    if (t.t === 'word') {
      const w = t.v.toLowerCase();
      if (w === 'null' || w === '$null') return null;
      if (w === 'true' || w === 'false') return w === 'true';
      // Bare numbers and words: the rule builder quotes them, but a hand-written rule may not.
      return t.v;
    }
    throw new RuleSyntaxError(`expected a value, found ${describeToken(t)}`);
  }

  private list(): string[] {
    if (this.tokens[this.i++]?.t !== '[') throw new RuleSyntaxError('-in and -notIn take a list such as ["a","b"]');
    const out: string[] = [];
    for (;;) {
      const t = this.tokens[this.i++];
      if (!t) throw new RuleSyntaxError('a list is not closed');
      if (t.t === ']' && out.length === 0) break;
      if (t.t !== 'str' && t.t !== 'word') throw new RuleSyntaxError(`expected a value in the list, found ${describeToken(t)}`);
      out.push(t.v);
      const sep = this.tokens[this.i++];
      if (sep?.t === ']') break;
      if (sep?.t !== ',') throw new RuleSyntaxError('list items are separated by commas');
    }
    return out;
  }
}

class Unsupported extends Error {}

function describeToken(t: Token): string {
  if (t.t === 'op') return `-${t.v}`;
  if (t.t === 'str') return `"${t.v}"`;
  if (t.t === 'word') return t.v;
  return `"${t.t}"`;
}

/** Parses a rule; what we do not evaluate (or cannot read) comes back as cannotEvaluate with the reason. */
export function parseRule(text: string): ParsedRule {
  try {
    const tokens = tokenize(text);
    if (!tokens.length) return { kind: 'cannotEvaluate', reason: 'the rule is empty' };
    return { kind: 'rule', rule: new Parser(tokens).parse() };
  } catch (e) {
    if (e instanceof Unsupported) return { kind: 'cannotEvaluate', reason: e.message };
    if (e instanceof RuleSyntaxError) return { kind: 'cannotEvaluate', reason: `the rule could not be read: ${e.message}` };
    throw e;
  }
}

const quote = (s: string): string => `"${s.replace(/`/g, '``').replace(/"/g, '`"')}"`;
const printScalar = (v: Scalar): string => (v === null ? 'null' : typeof v === 'boolean' ? String(v) : quote(v));

/** The rule as text, fully parenthesised (parseRule reads it back to the same tree). */
export function printRule(node: RuleNode): string {
  switch (node.type) {
    case 'cmp':
      return `(user.${node.attribute} -${node.op} ${Array.isArray(node.value) ? `[${node.value.map(quote).join(',')}]` : printScalar(node.value)})`;
    case 'and':
    case 'or':
      return `(${printRule(node.left)} -${node.type} ${printRule(node.right)})`;
    case 'not':
      return `-not ${printRule(node.expr)}`;
  }
}

const text = (v: Scalar): string | null => (v === null ? null : String(v));
const same = (a: Scalar, b: Scalar): boolean => {
  if (b === null) return a === null || a === '';
  if (a === null) return false;
  return String(a).toLowerCase() === String(b).toLowerCase();
};

function compare(actual: Scalar, op: Operator, value: Scalar | string[]): boolean | { unknown: string } {
  const a = text(actual)?.toLowerCase() ?? null;
  const v = Array.isArray(value) ? null : (text(value)?.toLowerCase() ?? null);
  switch (op) {
    case 'eq':
      return same(actual, value as Scalar);
    case 'ne':
      return !same(actual, value as Scalar);
    case 'startsWith':
      return a !== null && v !== null && a.startsWith(v);
    case 'notStartsWith':
      return !(a !== null && v !== null && a.startsWith(v));
    case 'contains':
      return a !== null && v !== null && a.includes(v);
    case 'notContains':
      return !(a !== null && v !== null && a.includes(v));
    case 'match':
    case 'notMatch': {
      // The pattern is another tenant's data: one that can backtrack for exponential time would stall every turn.
      const pattern = String(value ?? '');
      if (pattern.length > MAX_PATTERN_LENGTH || !safeRegex(pattern)) {
        return { unknown: `its regular expression ${pattern.slice(0, 80)} could run too long to evaluate safely` };
      }
      let re: RegExp;
      try {
        re = new RegExp(pattern, 'i');
      } catch {
        return { unknown: `its regular expression ${String(value)} is not one we can run` };
      }
      const hit = a !== null && re.test(text(actual)!);
      return op === 'match' ? hit : !hit;
    }
    case 'in':
      return (value as string[]).some((x) => same(actual, x));
    case 'notIn':
      return !(value as string[]).some((x) => same(actual, x));
  }
}

/**
 * Evaluates a rule against what the user would look like, in three-valued logic: an unknown side only decides when
 * the other side does not (false -and unknown is false; true -or unknown is true).
 */
export function evaluateRule(node: RuleNode, lookup: AttributeLookup): Verdict {
  switch (node.type) {
    case 'cmp': {
      const actual = lookup(node.attribute.toLowerCase());
      if (actual !== null && typeof actual === 'object') return { kind: 'cannotEvaluate', reason: actual.unknown };
      const r = compare(actual, node.op, node.value);
      if (typeof r === 'object') return { kind: 'cannotEvaluate', reason: r.unknown };
      return { kind: r ? 'match' : 'noMatch' };
    }
    case 'not': {
      const r = evaluateRule(node.expr, lookup);
      return r.kind === 'cannotEvaluate' ? r : { kind: r.kind === 'match' ? 'noMatch' : 'match' };
    }
    case 'and':
    case 'or': {
      const decisive = node.type === 'and' ? 'noMatch' : 'match';
      const l = evaluateRule(node.left, lookup);
      if (l.kind === decisive) return l;
      const r = evaluateRule(node.right, lookup);
      if (r.kind === decisive) return r;
      return l.kind === 'cannotEvaluate' ? l : r;
    }
  }
}

/** Parse and evaluate in one: the answer for a rule's text. */
export function evaluateRuleText(rule: string, lookup: AttributeLookup): Verdict {
  const parsed = parseRule(rule);
  return parsed.kind === 'rule' ? evaluateRule(parsed.rule, lookup) : parsed;
}

// ---------------------------------------------------------------------------------------------
// The attributes a user would get in the target, from the job's user attribute mappings

/** One attribute mapping of the job's user rule (services read it from the synchronization schema). */
export interface AttributeMapping {
  /** The target attribute (e.g. department). */
  target: string;
  /** Graph's attributeMappingSource.type: Attribute (the portal's "Direct"), Constant, Function. */
  sourceType: string | null;
  /** The source attribute's name, the constant, or the function's expression. */
  source: string | null;
}

/** Attributes Entra sets on a new account itself: a rule on them cannot be answered from the mappings. */
const SET_BY_ENTRA = new Set([
  'objectid',
  'id',
  'userprincipalname',
  'creationtype',
  'createddatetime',
  'onpremisessecurityidentifier',
  'mailnickname',
  'proxyaddresses',
  'externaluserstate',
]);

/**
 * What the user would hold in the target: a Direct (Attribute) mapping copies the source value, a Constant sets it,
 * any other mapping (functions, expressions) is unknown; an unmapped attribute stays empty, except the few Entra
 * fills in itself (unknown). `source` holds the source user's attributes by lower-case name; a source attribute we
 * did not read is unknown.
 */
export function attributesInTarget(source: Readonly<Record<string, Scalar | undefined>>, mappings: readonly AttributeMapping[]): AttributeLookup {
  const byTarget = new Map<string, AttributeMapping>();
  for (const m of mappings) byTarget.set(m.target.toLowerCase(), m);
  return (attribute) => {
    const name = attribute.toLowerCase();
    const m = byTarget.get(name);
    if (!m) {
      if (name === 'usertype') return 'Member'; // CTS creates members unless a mapping says otherwise
      if (SET_BY_ENTRA.has(name)) return { unknown: `user.${attribute} is set by Entra, not by the job's mappings` };
      return null;
    }
    const type = (m.sourceType ?? '').toLowerCase();
    if (type === 'constant') return (m.source ?? '').replace(/^"|"$/g, '');
    if (type === 'attribute' || type === 'direct') {
      const from = (m.source ?? '').replace(/^\[|\]$/g, '').toLowerCase();
      const v = source[from];
      return v === undefined ? { unknown: `user.${attribute} comes from the source attribute ${m.source ?? '?'}, which the bot did not read` } : v;
    }
    return { unknown: `user.${attribute} is computed by an expression (${m.source ?? m.sourceType ?? 'unknown'})` };
  };
}
