/**
 * The grammar core: normalising what Teams delivers, splitting it into tokens, and the helpers every command family
 * shares (keywords, echoing a typed word back, the `invalid` result).
 */
import { plain } from '../text';
import { commandInfo } from './catalog';
import { isConfigName } from './names';
import type { Command, CommandKind } from './types';

// Normalising what Teams delivers

const NAMED_ENTITIES: Record<string, string> = {
  nbsp: ' ',
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,8});/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}

// Opening <p>/<div>/<span> wrappers may come first when the client sends HTML.
const LEADING_MENTION = /^(?:\s|&nbsp;|\u00a0|\u200b|<(?:p|div|span)\b[^<>]*>)*<at\b[^>]*>[\s\S]*?<\/at>/i;

/**
 * Strip the `<at>Bot</at>` mentions Teams puts in front of channel messages, other markup,
 * entities and zero-width characters; collapse whitespace (newlines included) to single spaces.
 */
export function normalizeText(raw: string): string {
  let s = typeof raw === 'string' ? raw : String(raw ?? '');
  for (let i = 0; i < 20 && LEADING_MENTION.test(s); i++) s = s.replace(LEADING_MENTION, '');
  s = s.replace(/<\/?[a-z][a-z0-9]*\b[^<>]*>/gi, ' ');
  s = decodeEntities(s);
  s = s.replace(/[\u200b-\u200d\ufeff]/g, '');
  return s.replace(/\s+/g, ' ').trim();
}
export interface Token {
  /** The token's text without surrounding quotes. */
  text: string;
  /** Lower-cased text for keyword comparisons. */
  key: string;
  quoted: boolean;
  start: number;
  end: number;
}

const QUOTES = new Set(['"', '\u201c', '\u201d']);

/** Split on spaces and commas; "double quotes" (or curly quotes) keep a name with spaces together. */
export function tokenize(s: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const ch = s[i];
    if (ch === ' ' || ch === ',') {
      i++;
      continue;
    }
    if (ch === '"' || ch === '\u201c' || ch === '\u201d') {
      let end = i + 1;
      while (end < s.length && !QUOTES.has(s[end])) end++;
      const text = s.slice(i + 1, end).trim();
      if (text) tokens.push({ text, key: text.toLowerCase(), quoted: true, start: i, end: Math.min(end + 1, s.length) });
      i = end + 1;
      continue;
    }
    let j = i;
    while (j < s.length && s[j] !== ' ' && s[j] !== ',') j++;
    const text = s.slice(i, j);
    tokens.push({ text, key: text.toLowerCase(), quoted: false, start: i, end: j });
    i = j;
  }
  return tokens;
}

export function isKeyword(t: Token | undefined, ...words: string[]): boolean {
  return !!t && !t.quoted && words.includes(t.key);
}

export const TRAILING_PUNCT = /[.!?:;]+$/;
export function verbKey(t: Token): string {
  if (t.key === '?') return '?';
  return t.key.replace(/^\//, '').replace(TRAILING_PUNCT, '');
}

/** A word the user typed, quoted back in a problem: short, and unable to become a link or a formatting trick. */
export function echo(text: string): string {
  return plain(text, 60);
}

export function invalid(kind: CommandKind, problem: string): Command {
  const info = commandInfo(kind)!;
  return { kind: 'invalid', command: info.name, problem, usage: info.usage, example: info.example };
}

export function configProblem(value: string): string {
  return `"${echo(value)}" is not a configuration name: use letters, digits, dots, dashes or underscores (up to 64, at least one letter), like contoso-to-fabrikam.`;
}

/** Splits `… to <config>` (or `from`) off the end of a list. */
export function splitTarget(list: Token[], words: string[]): { items: Token[]; config?: string; problem?: string } {
  const at = list.findIndex((t) => isKeyword(t, ...words));
  if (at < 0) return { items: list };
  const after = list.slice(at + 1);
  if (after.length !== 1) {
    return { items: list, problem: `After "${list[at].text}" give exactly one configuration name.` };
  }
  if (!isConfigName(after[0].text)) return { items: list, problem: configProblem(after[0].text) };
  return { items: list.slice(0, at), config: after[0].text };
}

export function uniqueCaseInsensitive(values: string[]): string[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const k = v.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
