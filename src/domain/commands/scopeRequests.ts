/** request / approve / reject / cancel: scope-change requests and their decisions. */
import { isUserReference } from './names';
import { normalizeRequestId } from './requestIds';
import { echo, invalid, isKeyword, splitTarget, TRAILING_PUNCT, uniqueCaseInsensitive, type Token } from './tokens';
import { MAX_REQUEST_PRINCIPALS, type Command } from './types';

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

export function parseRequest(s: string, args: Token[]): Command {
  if (!args.length) return { kind: 'requestForm' };
  const op = args[0].key;
  if (op !== 'add' && op !== 'remove') {
    return invalid('request', `Start with "add" or "remove", not "${echo(args[0].text)}".`);
  }
  const typeKey = args[1]?.key;
  const principalType = typeKey === 'user' || typeKey === 'users' ? 'user' : typeKey === 'group' || typeKey === 'groups' ? 'group' : undefined;
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

export function parseId(t: Token | undefined): string | undefined {
  return t ? normalizeRequestId(t.text.replace(TRAILING_PUNCT, '')) : undefined;
}

function idProblem(t: Token | undefined): string {
  return t
    ? `"${echo(t.text)}" is not a request id: ids look like REQ-7K2M9 (see "pending").`
    : 'Say which request, by its id (like REQ-7K2M9; see "pending").';
}

export function parseIdOnly(verb: 'approve' | 'cancel', args: Token[]): Command {
  const id = parseId(args[0]);
  if (!id) return invalid(verb, idProblem(args[0]));
  if (args.length > 1) return invalid(verb, `${verb} takes only the request id.`);
  return { kind: verb, id };
}

export function parseReject(s: string, args: Token[]): Command {
  const id = parseId(args[0]);
  if (!id) return invalid('reject', idProblem(args[0]));
  if (args.length === 1) return { kind: 'reject', id };
  const from = isKeyword(args[1], 'because') ? args[1].end : args[0].end;
  const reason = s.slice(from).trim();
  return reason ? { kind: 'reject', id, reason } : { kind: 'reject', id };
}

/**
 * The request form's principals and reason, checked by the same rules as the typed request: the list may be split
 * by commas, semicolons or new lines, repeats (ignoring case) count once, and a reason is required.
 */
export function checkRequestForm(form: {
  principals?: string;
  reason?: string;
}): { ok: true; principals: string[]; reason: string } | { ok: false; problem: string } {
  const principals = [
    ...new Map(
      (form.principals ?? '')
        .split(/[,;\n]+/)
        .map((s) => s.trim())
        .filter(Boolean)
        .map((s) => [s.toLowerCase(), s]),
    ).values(),
  ];
  if (!principals.length) return { ok: false, problem: 'Say who: user principal names, or a group name or id.' };
  if (principals.length > MAX_REQUEST_PRINCIPALS)
    return { ok: false, problem: `At most ${MAX_REQUEST_PRINCIPALS} per request; you gave ${principals.length}.` };
  if (!form.reason?.trim()) return { ok: false, problem: 'A reason is required: say why the change is needed.' };
  return { ok: true, principals, reason: form.reason };
}
