/**
 * The chat command grammar: text a person typed (or Teams delivered) → a typed Command.
 * Never throws: anything unrecognised is `unknown`, a known verb with bad arguments is `invalid`
 * and carries the usage and an example so the reply can say what to type instead.
 */
import { plain } from './text';
import type { Permission } from './permissions';

export type RestartScope = 'default' | 'full' | 'quarantine' | 'escrows' | 'watermark';
export type SubscriptionTopic = 'alerts' | 'approvals';

export type Command =
  | { kind: 'help' }
  | { kind: 'whoami' }
  | { kind: 'status'; config?: string }
  | { kind: 'start'; config?: string }
  | { kind: 'pause'; config?: string }
  | { kind: 'restart'; config?: string; scope: RestartScope }
  | { kind: 'provision'; users: string[]; config?: string }
  | {
      kind: 'request';
      op: 'add' | 'remove';
      principalType: 'user' | 'group';
      principals: string[];
      config?: string;
      reason: string;
    }
  | { kind: 'requestForm' }
  | { kind: 'pending' }
  | { kind: 'approve'; id: string }
  | { kind: 'reject'; id: string; reason?: string }
  | { kind: 'cancel'; id: string }
  | { kind: 'subscribe' | 'unsubscribe'; topic: SubscriptionTopic; config: string | 'all' }
  | { kind: 'subscriptions' }
  | { kind: 'audit'; config?: string; count?: number }
  | { kind: 'auditExport'; from?: string; to?: string }
  | { kind: 'doctor'; config?: string }
  | { kind: 'invalid'; command: string; problem: string; usage: string; example: string }
  | { kind: 'unknown'; text: string };

export type CommandKind = Command['kind'];

export interface CommandInfo {
  kind: CommandKind;
  /** What the person types first (`audit export` is two words). ≤ 32 chars (Teams manifest limit). */
  name: string;
  usage: string;
  example: string;
  /** ≤ 128 chars (Teams manifest limit). */
  description: string;
  /** The permission the route checks before acting; absent = anyone in the home tenant. */
  permission?: Permission;
  /** Listed in the Teams app manifest's command list (Teams shows at most 10). */
  manifest: boolean;
}

export const MAX_REQUEST_PRINCIPALS = 50;
/**
 * provisionOnDemand takes one user per call for CTS and Graph allows 5 calls / 10 s: more users are queued and the
 * card shows progress, so 20 at most keeps one command under about 40 s.
 */
export const MAX_PROVISION_USERS = 20;
export const MAX_AUDIT_COUNT = 200;
/**
 * What `restart` offers. Not `full`: Graph's Full includes ConnectorDataStore, which Microsoft says not to use
 * without Microsoft Support (restart criteria reference), so the bot never sends it.
 */
export const RESTART_SCOPES: readonly RestartScope[] = ['default', 'quarantine', 'escrows', 'watermark'];
export const FULL_RESTART_REFUSAL =
  '"full" is not offered: Graph\'s Full reset includes ConnectorDataStore, which clears the connector cache for all users, and Microsoft says "don\'t use it without Microsoft Support". Use "restart <configuration>" (the portal\'s restart) or "restart <configuration> watermark" to re-evaluate every object.';

/** One entry per user-facing verb, in help order. */
export const COMMANDS: readonly CommandInfo[] = [
  {
    kind: 'help',
    name: 'help',
    usage: 'help',
    example: 'help',
    description: 'List the commands and what each one does.',
    manifest: true,
  },
  {
    kind: 'whoami',
    name: 'whoami',
    usage: 'whoami',
    example: 'whoami',
    description: 'Show who the bot thinks you are, your Entra roles and what you may do.',
    manifest: true,
  },
  {
    kind: 'status',
    name: 'status',
    usage: 'status [<configuration>]',
    example: 'status contoso-to-fabrikam',
    description: 'Show the state of the sync jobs: running, paused or quarantined, last run, and errors.',
    permission: 'sync.read',
    manifest: true,
  },
  {
    kind: 'start',
    name: 'start',
    usage: 'start [<configuration>]',
    example: 'start contoso-to-fabrikam',
    description: 'Start or resume a paused or quarantined sync job.',
    permission: 'sync.operate',
    manifest: false,
  },
  {
    kind: 'pause',
    name: 'pause',
    usage: 'pause [<configuration>]',
    example: 'pause contoso-to-fabrikam',
    description: 'Pause a sync job; it keeps its state and resumes with start.',
    permission: 'sync.operate',
    manifest: false,
  },
  {
    kind: 'restart',
    name: 'restart',
    usage: 'restart [<configuration>] [default|quarantine|escrows|watermark]',
    example: 'restart contoso-to-fabrikam watermark',
    description: 'Restart a sync job, optionally resetting quarantine, escrows or the watermark (re-evaluate every object).',
    permission: 'sync.operate',
    manifest: true,
  },
  {
    kind: 'provision',
    name: 'provision',
    usage: 'provision <user> [<user> …] [to <configuration>]',
    example: 'provision adele@contoso.com to contoso-to-fabrikam',
    description: `Provision up to ${MAX_PROVISION_USERS} users now instead of waiting for the next sync cycle (5 per 10 s).`,
    permission: 'sync.operate',
    manifest: true,
  },
  {
    kind: 'request',
    name: 'request',
    usage: 'request add|remove user|group <who> [, <who> …] [to|from <configuration>] because <reason>',
    example: 'request add user adele@contoso.com, alex@contoso.com to contoso-to-fabrikam because new project team',
    description: 'Ask to add people or groups to sync scope, or remove them; an approver decides. Alone, opens a form.',
    permission: 'scope.request',
    manifest: true,
  },
  {
    kind: 'pending',
    name: 'pending',
    usage: 'pending',
    example: 'pending',
    description: 'List the scope-change requests waiting for a decision.',
    permission: 'scope.request',
    manifest: true,
  },
  {
    kind: 'approve',
    name: 'approve',
    usage: 'approve <request id>',
    example: 'approve REQ-7K2M9',
    description: 'Approve a scope-change request someone else made.',
    permission: 'scope.approve',
    manifest: false,
  },
  {
    kind: 'reject',
    name: 'reject',
    usage: 'reject <request id> [because <reason>]',
    example: 'reject REQ-7K2M9 because wrong group',
    description: 'Reject a scope-change request, optionally saying why.',
    permission: 'scope.approve',
    manifest: false,
  },
  {
    kind: 'cancel',
    name: 'cancel',
    usage: 'cancel <request id>',
    example: 'cancel REQ-7K2M9',
    description: 'Withdraw a scope-change request you made that is still pending.',
    permission: 'scope.request',
    manifest: false,
  },
  {
    kind: 'subscribe',
    name: 'subscribe',
    usage: 'subscribe alerts|approvals [<configuration>|all]',
    example: 'subscribe alerts contoso-to-fabrikam',
    description: 'Post alerts (quarantine, deletions held back) or approval requests to this chat or channel.',
    permission: 'alerts.manage',
    manifest: true,
  },
  {
    kind: 'unsubscribe',
    name: 'unsubscribe',
    usage: 'unsubscribe alerts|approvals [<configuration>|all]',
    example: 'unsubscribe alerts all',
    description: 'Stop posting alerts or approval requests to this chat or channel.',
    permission: 'alerts.manage',
    manifest: false,
  },
  {
    kind: 'subscriptions',
    name: 'subscriptions',
    usage: 'subscriptions',
    example: 'subscriptions',
    description: 'List what this chat or channel is subscribed to.',
    permission: 'sync.read',
    manifest: false,
  },
  {
    kind: 'audit',
    name: 'audit',
    usage: `audit [<configuration>] [<count 1–${MAX_AUDIT_COUNT}>]`,
    example: 'audit contoso-to-fabrikam 20',
    description: 'Show the latest actions taken through the bot: who did what, when, and the outcome.',
    permission: 'sync.read',
    manifest: true,
  },
  {
    kind: 'auditExport',
    name: 'audit export',
    usage: 'audit export [from <yyyy-mm-dd>] [to <yyyy-mm-dd>]',
    example: 'audit export from 2026-01-01 to 2026-01-31',
    description: 'Export the audit log for a date range as a file.',
    permission: 'sync.read',
    manifest: false,
  },
  {
    kind: 'doctor',
    name: 'doctor',
    usage: 'doctor [<configuration>|all]',
    example: 'doctor contoso-to-fabrikam',
    description: 'Check the configuration CTS depends on in both tenants (policies, job, threshold, scope, mappings, bot permissions).',
    permission: 'sync.read',
    manifest: false,
  },
];

export function commandInfo(kind: CommandKind): CommandInfo | undefined {
  const k = kind === 'requestForm' ? 'request' : kind;
  return COMMANDS.find((c) => c.kind === k);
}

// ---------------------------------------------------------------------------------------------
// Request ids: REQ- + 5 Crockford base-32 characters (no I, L, O, U: nothing to misread aloud).

const ID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const REQUEST_ID_LENGTH = 5;
const REQUEST_ID_RE = new RegExp(`^REQ-[${ID_ALPHABET}]{${REQUEST_ID_LENGTH}}$`);

/** True for the canonical form only (`REQ-7K2M9`); `normalizeRequestId` turns typed variants into it. */
export function isRequestId(value: string): boolean {
  return REQUEST_ID_RE.test(value);
}

/** `req-7k2m9`, `7K2M9`, `REQ-7K2MO` (O for 0) → `REQ-7K2M9`-style canonical id, or undefined. */
export function normalizeRequestId(value: string): string | undefined {
  const m = /^(?:REQ-?)?([0-9A-Z]+)$/i.exec(value.trim());
  if (!m) return undefined;
  const code = m[1]
    .toUpperCase()
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  const id = `REQ-${code}`;
  return isRequestId(id) ? id : undefined;
}

/** A fresh id; `random` returns [0, 1) like Math.random (injected so tests are deterministic). */
export function newRequestId(random: () => number = Math.random): string {
  let code = '';
  for (let i = 0; i < REQUEST_ID_LENGTH; i++) {
    const r = random();
    const n = Number.isFinite(r) ? Math.floor(Math.abs(r) * ID_ALPHABET.length) % ID_ALPHABET.length : 0;
    code += ID_ALPHABET[n];
  }
  return `REQ-${code}`;
}

// ---------------------------------------------------------------------------------------------
// Configuration names and principals

/**
 * Configuration names are the keys of CTS_CONFIG: letters, digits, dot, dash, underscore, with at least
 * one letter (so `audit 20` is a count, never a configuration called "20").
 */
const CONFIG_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export function isConfigName(value: string): boolean {
  return CONFIG_RE.test(value) && /[A-Za-z]/.test(value);
}

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UPN_RE = /^[^\s@",<>]+@[^\s@",<>]+\.[^\s@",<>]+$/;
export function isObjectId(value: string): boolean {
  return GUID_RE.test(value);
}
/** A user is named by UPN / mail or object id. */
export function isUserReference(value: string): boolean {
  return UPN_RE.test(value) || GUID_RE.test(value);
}

/** Case-insensitive exact match, else the nearest near miss (prefix or small edit distance). */
export function suggestConfig(name: string, known: readonly string[]): { match?: string; didYouMean?: string } {
  const wanted = name.trim().toLowerCase();
  if (!wanted) return {};
  const exact = known.find((k) => k.toLowerCase() === wanted);
  if (exact !== undefined) return { match: exact };
  const prefixed = known.filter((k) => k.toLowerCase().startsWith(wanted));
  if (prefixed.length === 1) return { didYouMean: prefixed[0] };
  let best: { name: string; distance: number } | undefined;
  for (const k of known) {
    const d = levenshtein(wanted, k.toLowerCase());
    if (!best || d < best.distance) best = { name: k, distance: d };
  }
  // A third of the name may be wrong, at least one character, at most three.
  const allowed = Math.min(3, Math.max(1, Math.floor(wanted.length / 3)));
  if (best && best.distance <= allowed) return { didYouMean: best.name };
  return {};
}

export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (!a.length) return b.length;
  if (!b.length) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

// ---------------------------------------------------------------------------------------------
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

interface Token {
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
function tokenize(s: string): Token[] {
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

function isKeyword(t: Token | undefined, ...words: string[]): boolean {
  return !!t && !t.quoted && words.includes(t.key);
}

const TRAILING_PUNCT = /[.!?:;]+$/;
function verbKey(t: Token): string {
  if (t.key === '?') return '?';
  return t.key.replace(/^\//, '').replace(TRAILING_PUNCT, '');
}

const VERBS = new Set([
  'help', '?', 'whoami', 'status', 'start', 'pause', 'restart', 'provision', 'request', 'pending', 'approve',
  'reject', 'cancel', 'subscribe', 'unsubscribe', 'subscriptions', 'audit', 'doctor',
]);

// ---------------------------------------------------------------------------------------------
// Parsing

export function parseCommand(text: string): Command {
  try {
    return parseNormalized(normalizeText(text));
  } catch {
    // Belt and braces: the grammar is written not to throw, but a chat message must never crash a turn.
    return { kind: 'unknown', text: typeof text === 'string' ? text : '' };
  }
}

function parseNormalized(s: string): Command {
  let tokens = tokenize(s);
  // A typed "@Bot name" is plain text, not a mention: skip up to three words until a verb shows up.
  if (tokens.length && tokens[0].text.startsWith('@')) {
    const at = tokens.slice(1, 4).findIndex((t) => VERBS.has(verbKey(t)));
    tokens = tokens.slice(at < 0 ? 1 : at + 1);
  }
  if (!tokens.length) return { kind: 'help' };
  const verb = verbKey(tokens[0]);
  const args = tokens.slice(1);
  const rest = s.slice(tokens[0].end).trim();
  switch (verb) {
    case 'help':
    case '?':
      return { kind: 'help' };
    case 'whoami':
      return { kind: 'whoami' };
    case 'subscriptions':
      return { kind: 'subscriptions' };
    case 'pending':
      return { kind: 'pending' };
    case 'status':
    case 'start':
    case 'pause':
      return parseOptionalConfig(verb, args);
    case 'restart':
      return parseRestart(args);
    case 'provision':
      return parseProvision(args);
    case 'request':
      return parseRequest(s, args);
    case 'approve':
    case 'cancel':
      return parseIdOnly(verb, args);
    case 'reject':
      return parseReject(s, args);
    case 'subscribe':
    case 'unsubscribe':
      return parseSubscribe(verb, args);
    case 'audit':
      return isKeyword(args[0], 'export') ? parseAuditExport(args.slice(1)) : parseAudit(args);
    case 'doctor':
      return parseDoctor(args);
    default:
      return { kind: 'unknown', text: rest ? `${tokens[0].text} ${rest}` : tokens[0].text };
  }
}

/** A word the user typed, quoted back in a problem: short, and unable to become a link or a formatting trick. */
function echo(text: string): string {
  return plain(text, 60);
}

function invalid(kind: CommandKind, problem: string): Command {
  const info = commandInfo(kind)!;
  return { kind: 'invalid', command: info.name, problem, usage: info.usage, example: info.example };
}

function configProblem(value: string): string {
  return `"${echo(value)}" is not a configuration name: use letters, digits, dots, dashes or underscores (up to 64, at least one letter), like contoso-to-fabrikam.`;
}

function parseOptionalConfig(verb: 'status' | 'start' | 'pause', args: Token[]): Command {
  if (args.length > 1) return invalid(verb, `${verb} takes at most one configuration name.`);
  if (!args.length) return { kind: verb };
  const config = args[0].text;
  if (!isConfigName(config)) return invalid(verb, configProblem(config));
  return { kind: verb, config };
}

/** `doctor`, `doctor all` (every configuration) or `doctor <configuration>`. */
function parseDoctor(args: Token[]): Command {
  if (args.length > 1) return invalid('doctor', 'doctor takes at most one configuration name, or "all".');
  if (!args.length || isKeyword(args[0], 'all')) return { kind: 'doctor' };
  const config = args[0].text;
  if (!isConfigName(config)) return invalid('doctor', configProblem(config));
  return { kind: 'doctor', config };
}

function asRestartScope(t: Token | undefined): RestartScope | undefined {
  if (!t || t.quoted) return undefined;
  const k = t.key.replace(TRAILING_PUNCT, '');
  return (RESTART_SCOPES as readonly string[]).includes(k) ? (k as RestartScope) : undefined;
}

function parseRestart(args: Token[]): Command {
  if (args.some((a) => !a.quoted && a.key.replace(TRAILING_PUNCT, '') === 'full')) return invalid('restart', FULL_RESTART_REFUSAL);
  if (args.length > 2) return invalid('restart', 'restart takes a configuration name and one reset scope at most.');
  if (!args.length) return { kind: 'restart', scope: 'default' };
  if (args.length === 1) {
    const scope = asRestartScope(args[0]);
    if (scope) return { kind: 'restart', scope };
    if (!isConfigName(args[0].text)) return invalid('restart', configProblem(args[0].text));
    return { kind: 'restart', config: args[0].text, scope: 'default' };
  }
  const scope = asRestartScope(args[1]);
  if (!scope) {
    return invalid('restart', `"${echo(args[1].text)}" is not a reset scope: use ${RESTART_SCOPES.join(', ')}.`);
  }
  if (!isConfigName(args[0].text)) return invalid('restart', configProblem(args[0].text));
  return { kind: 'restart', config: args[0].text, scope };
}

/** Splits `… to <config>` (or `from`) off the end of a list. */
function splitTarget(list: Token[], words: string[]): { items: Token[]; config?: string; problem?: string } {
  const at = list.findIndex((t) => isKeyword(t, ...words));
  if (at < 0) return { items: list };
  const after = list.slice(at + 1);
  if (after.length !== 1) {
    return { items: list, problem: `After "${list[at].text}" give exactly one configuration name.` };
  }
  if (!isConfigName(after[0].text)) return { items: list, problem: configProblem(after[0].text) };
  return { items: list.slice(0, at), config: after[0].text };
}

/**
 * Group names have spaces ("Engineering Team"), and people rarely quote them: unquoted words between commas are one
 * name, so "group Engineering Team" asks for one group, and "group Engineering Team, Sales" for two.
 */
function groupNames(s: string, items: Token[]): string[] {
  if (items.length < 2) return items.map((t) => t.text);
  const names: string[] = [];
  let words: string[] = [];
  let last = items[0].start;
  const flush = () => {
    if (words.length) names.push(words.join(' '));
    words = [];
  };
  for (const t of items) {
    if (/[,;]/.test(s.slice(last, t.start))) flush();
    if (t.quoted) {
      flush();
      names.push(t.text);
    } else words.push(t.text.replace(/[,;]+$/, ''));
    last = t.end;
    if (/[,;]$/.test(t.text)) flush();
  }
  flush();
  return names.filter(Boolean);
}

function uniqueCaseInsensitive(values: string[]): string[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const k = v.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function parseProvision(args: Token[]): Command {
  const { items, config, problem } = splitTarget(args, ['to']);
  if (problem) return invalid('provision', problem);
  if (!items.length) return invalid('provision', 'Say which user to provision, by user principal name or object id.');
  const bad = items.find((t) => !isUserReference(t.text));
  if (bad) return invalid('provision', `"${echo(bad.text)}" is not a user principal name (name@domain) or object id.`);
  const users = uniqueCaseInsensitive(items.map((t) => t.text));
  if (users.length > MAX_PROVISION_USERS) {
    return invalid('provision', `At most ${MAX_PROVISION_USERS} users at a time; you gave ${users.length}.`);
  }
  return config === undefined ? { kind: 'provision', users } : { kind: 'provision', users, config };
}

function parseRequest(s: string, args: Token[]): Command {
  if (!args.length) return { kind: 'requestForm' };
  const op = args[0].key;
  if (op !== 'add' && op !== 'remove') {
    return invalid('request', `Start with "add" or "remove", not "${echo(args[0].text)}".`);
  }
  const typeKey = args[1]?.key;
  const principalType =
    typeKey === 'user' || typeKey === 'users' ? 'user' : typeKey === 'group' || typeKey === 'groups' ? 'group' : undefined;
  if (!principalType) {
    return invalid('request', `After "${op}" say "user" or "group"${args[1] ? `, not "${echo(args[1].text)}"` : ''}.`);
  }
  const becauseAt = args.findIndex((t, i) => i >= 2 && isKeyword(t, 'because'));
  if (becauseAt < 0) return invalid('request', 'A reason is required: end the request with "because <reason>".');
  const reason = s.slice(args[becauseAt].end).trim();
  if (!reason) return invalid('request', 'The reason after "because" is empty: say why the change is needed.');
  const { items, config, problem } = splitTarget(args.slice(2, becauseAt), ['to', 'from']);
  if (problem) return invalid('request', problem);
  if (!items.length) return invalid('request', `Say which ${principalType}s to ${op}.`);
  if (principalType === 'user') {
    const bad = items.find((t) => !isUserReference(t.text));
    if (bad) return invalid('request', `"${echo(bad.text)}" is not a user principal name (name@domain) or object id.`);
  }
  const principals = uniqueCaseInsensitive(principalType === 'group' ? groupNames(s, items) : items.map((t) => t.text));
  if (principals.length > MAX_REQUEST_PRINCIPALS) {
    return invalid(
      'request',
      `At most ${MAX_REQUEST_PRINCIPALS} ${principalType}s per request; you gave ${principals.length}. Split it into several requests.`,
    );
  }
  const cmd: Command = { kind: 'request', op, principalType, principals, reason };
  if (config !== undefined) cmd.config = config;
  return cmd;
}

function parseId(t: Token | undefined): string | undefined {
  return t ? normalizeRequestId(t.text.replace(TRAILING_PUNCT, '')) : undefined;
}

function idProblem(t: Token | undefined): string {
  return t
    ? `"${echo(t.text)}" is not a request id: ids look like REQ-7K2M9 (see "pending").`
    : 'Say which request, by its id (like REQ-7K2M9; see "pending").';
}

function parseIdOnly(verb: 'approve' | 'cancel', args: Token[]): Command {
  const id = parseId(args[0]);
  if (!id) return invalid(verb, idProblem(args[0]));
  if (args.length > 1) return invalid(verb, `${verb} takes only the request id.`);
  return { kind: verb, id };
}

function parseReject(s: string, args: Token[]): Command {
  const id = parseId(args[0]);
  if (!id) return invalid('reject', idProblem(args[0]));
  if (args.length === 1) return { kind: 'reject', id };
  const from = isKeyword(args[1], 'because') ? args[1].end : args[0].end;
  const reason = s.slice(from).trim();
  return reason ? { kind: 'reject', id, reason } : { kind: 'reject', id };
}

function parseSubscribe(verb: 'subscribe' | 'unsubscribe', args: Token[]): Command {
  const k = args[0]?.key;
  const topic: SubscriptionTopic | undefined =
    k === 'alerts' || k === 'alert' ? 'alerts' : k === 'approvals' || k === 'approval' ? 'approvals' : undefined;
  if (!topic) {
    return invalid(verb, `Say "alerts" or "approvals"${args[0] ? `, not "${echo(args[0].text)}"` : ''}.`);
  }
  let rest = args.slice(1);
  if (isKeyword(rest[0], 'for', 'to', 'from', 'on')) rest = rest.slice(1);
  if (rest.length > 1) return invalid(verb, 'Give one configuration name, or "all".');
  if (!rest.length || isKeyword(rest[0], 'all')) return { kind: verb, topic, config: 'all' };
  if (!isConfigName(rest[0].text)) return invalid(verb, configProblem(rest[0].text));
  return { kind: verb, topic, config: rest[0].text };
}

function parseAudit(args: Token[]): Command {
  let config: string | undefined;
  let count: number | undefined;
  if (args.length > 2) return invalid('audit', 'audit takes a configuration name and a count at most.');
  for (const t of args) {
    if (/^[-+]?\d+(\.\d*)?$/.test(t.text)) {
      const n = Number(t.text);
      if (count !== undefined || !Number.isInteger(n) || n < 1 || n > MAX_AUDIT_COUNT) {
        return invalid('audit', `The count must be a whole number from 1 to ${MAX_AUDIT_COUNT}, not "${echo(t.text)}".`);
      }
      count = n;
    } else if (config === undefined && isConfigName(t.text)) {
      config = t.text;
    } else {
      return invalid('audit', configProblem(t.text));
    }
  }
  const cmd: Command = { kind: 'audit' };
  if (config !== undefined) cmd.config = config;
  if (count !== undefined) cmd.count = count;
  return cmd;
}

/** yyyy-mm-dd that names a real calendar day. */
export function isIsoDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}

function parseAuditExport(args: Token[]): Command {
  let from: string | undefined;
  let to: string | undefined;
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const t = args[i];
    if (isKeyword(t, 'from', 'to')) {
      const date = args[i + 1]?.text;
      if (!date || !isIsoDate(date)) {
        return invalid('auditExport', `After "${echo(t.text)}" give a date as yyyy-mm-dd${date ? `, not "${echo(date)}"` : ''}.`);
      }
      if (t.key === 'from') from = date;
      else to = date;
      i++;
    } else if (isIsoDate(t.text)) {
      positional.push(t.text);
    } else {
      return invalid('auditExport', `"${echo(t.text)}" is not a date: use yyyy-mm-dd, like 2026-01-31.`);
    }
  }
  for (const d of positional) {
    if (from === undefined) from = d;
    else if (to === undefined) to = d;
    else return invalid('auditExport', 'Give at most two dates: from and to.');
  }
  if (from && to && from > to) return invalid('auditExport', `The start date ${from} is after the end date ${to}.`);
  const cmd: Command = { kind: 'auditExport' };
  if (from !== undefined) cmd.from = from;
  if (to !== undefined) cmd.to = to;
  return cmd;
}

// ---------------------------------------------------------------------------------------------
// Formatting: the canonical text for a command (suggestions in replies, card buttons, round-trip tests)

function quoteIfNeeded(v: string): string {
  return /[\s,]/.test(v) ? `"${v}"` : v;
}

export function formatCommand(cmd: Command): string {
  switch (cmd.kind) {
    case 'help':
    case 'whoami':
    case 'pending':
    case 'subscriptions':
      return cmd.kind;
    case 'requestForm':
      return 'request';
    case 'status':
    case 'start':
    case 'pause':
    case 'doctor':
      return cmd.config ? `${cmd.kind} ${cmd.config}` : cmd.kind;
    case 'restart':
      return ['restart', cmd.config, cmd.scope === 'default' ? undefined : cmd.scope].filter(Boolean).join(' ');
    case 'provision':
      return ['provision', cmd.users.join(' '), cmd.config ? `to ${cmd.config}` : undefined].filter(Boolean).join(' ');
    case 'request':
      return [
        'request',
        cmd.op,
        cmd.principalType,
        cmd.principals.map(quoteIfNeeded).join(', '),
        cmd.config ? `${cmd.op === 'add' ? 'to' : 'from'} ${cmd.config}` : undefined,
        'because',
        cmd.reason,
      ]
        .filter(Boolean)
        .join(' ');
    case 'approve':
    case 'cancel':
      return `${cmd.kind} ${cmd.id}`;
    case 'reject':
      return cmd.reason ? `reject ${cmd.id} because ${cmd.reason}` : `reject ${cmd.id}`;
    case 'subscribe':
    case 'unsubscribe':
      return `${cmd.kind} ${cmd.topic} ${cmd.config}`;
    case 'audit':
      return ['audit', cmd.config, cmd.count === undefined ? undefined : String(cmd.count)].filter(Boolean).join(' ');
    case 'auditExport':
      return ['audit export', cmd.from ? `from ${cmd.from}` : undefined, cmd.to ? `to ${cmd.to}` : undefined]
        .filter(Boolean)
        .join(' ');
    case 'invalid':
      return cmd.command;
    case 'unknown':
      return cmd.text;
  }
}
