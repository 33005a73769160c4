/**
 * The $filter subset the bot and tests use: eq/ne/gt/ge/lt/le, and/or/not, parentheses, startswith/endswith/
 * contains/tolower, string literals with OData's doubled-quote escaping, numbers, booleans, null, dates, GUIDs.
 * A string literal is always one token, so a quote inside a value can never end it early.
 */

export class FilterSyntaxError extends Error {}

export type Literal = string | number | boolean | null;

export type FilterNode =
  | { kind: 'literal'; value: Literal; raw: string }
  | { kind: 'property'; path: string[] }
  | { kind: 'call'; name: string; args: FilterNode[] }
  | { kind: 'compare'; op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'; left: FilterNode; right: FilterNode }
  | { kind: 'logical'; op: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode };

type Token = { t: 'str'; v: string } | { t: 'word'; v: string } | { t: 'num'; v: string } | { t: '('; v: '(' } | { t: ')'; v: ')' } | { t: ','; v: ',' };

/** The OData literal for a string value: quotes doubled. Exported so tests can prove round trips. */
export function quoteODataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new FilterSyntaxError('Unterminated string literal');
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += src[i++];
      }
      out.push({ t: 'str', v });
    } else if (c === '(' || c === ')' || c === ',') {
      out.push({ t: c, v: c } as Token);
      i++;
    } else {
      // Words cover property paths (a/b), keywords, numbers, GUIDs and unquoted date literals.
      const m = /^[A-Za-z0-9_./:+\-@$]+/.exec(src.slice(i));
      if (!m) throw new FilterSyntaxError(`Unexpected character '${c}' at position ${i}`);
      const v = m[0];
      out.push(/^-?\d+(\.\d+)?$/.test(v) ? { t: 'num', v } : { t: 'word', v });
      i += v.length;
    }
  }
  return out;
}

const COMPARE = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const FUNCS = new Set(['startswith', 'endswith', 'contains', 'tolower', 'toupper']);
const DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseFilter(src: string): FilterNode {
  const toks = tokenize(src);
  let pos = 0;
  const peek = () => toks[pos];
  const isWord = (w: string) => {
    const t = peek();
    return t?.t === 'word' && t.v.toLowerCase() === w;
  };
  const expect = (t: Token['t']) => {
    const tok = toks[pos];
    if (!tok || tok.t !== t) throw new FilterSyntaxError(`Expected '${t}' at token ${pos}`);
    pos++;
    return tok;
  };

  const orExpr = (): FilterNode => {
    let left = andExpr();
    while (isWord('or')) {
      pos++;
      left = { kind: 'logical', op: 'or', left, right: andExpr() };
    }
    return left;
  };
  const andExpr = (): FilterNode => {
    let left = unary();
    while (isWord('and')) {
      pos++;
      left = { kind: 'logical', op: 'and', left, right: unary() };
    }
    return left;
  };
  const unary = (): FilterNode => {
    if (isWord('not')) {
      pos++;
      return { kind: 'not', operand: unary() };
    }
    const left = operand();
    const t = peek();
    if (t?.t === 'word' && COMPARE.has(t.v.toLowerCase())) {
      pos++;
      return { kind: 'compare', op: t.v.toLowerCase() as 'eq', left, right: operand() };
    }
    return left;
  };
  const operand = (): FilterNode => {
    const t = toks[pos++];
    if (!t) throw new FilterSyntaxError('Unexpected end of filter');
    if (t.t === '(') {
      const inner = orExpr();
      expect(')');
      return inner;
    }
    if (t.t === 'str') return { kind: 'literal', value: t.v, raw: quoteODataString(t.v) };
    if (t.t === 'num') return { kind: 'literal', value: Number(t.v), raw: t.v };
    if (t.t !== 'word') throw new FilterSyntaxError(`Unexpected '${t.v}'`);
    const lower = t.v.toLowerCase();
    if (peek()?.t === '(') {
      if (!FUNCS.has(lower)) throw new FilterSyntaxError(`Unsupported function '${t.v}'`);
      pos++;
      const args: FilterNode[] = [];
      if (peek()?.t !== ')') {
        args.push(orExpr());
        while (peek()?.t === ',') {
          pos++;
          args.push(orExpr());
        }
      }
      expect(')');
      const arity = lower === 'tolower' || lower === 'toupper' ? 1 : 2;
      if (args.length !== arity) throw new FilterSyntaxError(`${t.v} takes ${arity} argument(s)`);
      return { kind: 'call', name: lower, args };
    }
    if (lower === 'true' || lower === 'false') return { kind: 'literal', value: lower === 'true', raw: lower };
    if (lower === 'null') return { kind: 'literal', value: null, raw: 'null' };
    if (DATE.test(t.v) || GUID.test(t.v)) return { kind: 'literal', value: t.v, raw: t.v };
    if (!/^[A-Za-z_@][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/.test(t.v)) throw new FilterSyntaxError(`Invalid token '${t.v}'`);
    return { kind: 'property', path: t.v.split('/') };
  };

  if (toks.length === 0) throw new FilterSyntaxError('Empty filter');
  const tree = orExpr();
  if (pos !== toks.length) throw new FilterSyntaxError(`Unexpected '${toks[pos].v}' after the end of the expression`);
  return tree;
}

/** Every property path the filter reads, so callers can reject the ones a collection doesn't support. */
export function filterProperties(node: FilterNode): string[] {
  switch (node.kind) {
    case 'property':
      return [node.path.join('/')];
    case 'literal':
      return [];
    case 'call':
      return node.args.flatMap(filterProperties);
    case 'compare':
    case 'logical':
      return [...filterProperties(node.left), ...filterProperties(node.right)];
    case 'not':
      return filterProperties(node.operand);
  }
}

export interface EvalOptions {
  /** Directory string comparisons ignore case; provisioning log filters are case-sensitive (reference §5). */
  caseInsensitive: boolean;
}

function readPath(obj: unknown, path: string[]): unknown {
  let cur: unknown = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    const rec = cur as Record<string, unknown>;
    const key = Object.keys(rec).find((k) => k.toLowerCase() === p.toLowerCase());
    cur = key === undefined ? undefined : rec[key];
  }
  return cur;
}

function value(node: FilterNode, obj: unknown, o: EvalOptions): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'property':
      return readPath(obj, node.path);
    case 'call': {
      const a = node.args.map((n) => value(n, obj, o));
      const s = (v: unknown) => (typeof v === 'string' ? (o.caseInsensitive ? v.toLowerCase() : v) : null);
      if (node.name === 'tolower') return typeof a[0] === 'string' ? a[0].toLowerCase() : null;
      if (node.name === 'toupper') return typeof a[0] === 'string' ? a[0].toUpperCase() : null;
      const [x, y] = [s(a[0]), s(a[1])];
      if (x === null || y === null) return false;
      if (node.name === 'startswith') return x.startsWith(y);
      if (node.name === 'endswith') return x.endsWith(y);
      return x.includes(y);
    }
    default:
      return matches(node, obj, o);
  }
}

function compare(op: string, l: unknown, r: unknown, o: EvalOptions): boolean {
  if (typeof l === 'string' && typeof r === 'string') {
    if (DATE.test(r) && !Number.isNaN(Date.parse(l))) {
      const [a, b] = [Date.parse(l), Date.parse(r)];
      return cmp(op, a, b);
    }
    if (o.caseInsensitive) return cmp(op, l.toLowerCase(), r.toLowerCase());
  }
  if (op === 'eq') return l === r || (l === undefined && r === null);
  if (op === 'ne') return !(l === r || (l === undefined && r === null));
  if (l === null || l === undefined || r === null || r === undefined) return false;
  return cmp(op, l as number, r as number);
}

function cmp<T extends string | number>(op: string, a: T, b: T): boolean {
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    default:
      return a <= b;
  }
}

export function matches(node: FilterNode, obj: unknown, o: EvalOptions): boolean {
  switch (node.kind) {
    case 'compare':
      return compare(node.op, value(node.left, obj, o), value(node.right, obj, o), o);
    case 'logical':
      return node.op === 'and' ? matches(node.left, obj, o) && matches(node.right, obj, o) : matches(node.left, obj, o) || matches(node.right, obj, o);
    case 'not':
      return !matches(node.operand, obj, o);
    default:
      return value(node, obj, o) === true;
  }
}
