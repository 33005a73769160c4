/**
 * The chat command grammar: text a person typed (or Teams delivered) → a typed Command.
 * Never throws: anything unrecognised is `unknown`, a known verb with bad arguments is `invalid`
 * and carries the usage and an example so the reply can say what to type instead.
 */
import { parseAudit, parseAuditExport } from './audit';
import { parseDoctor, parseOptionalConfig, parseProvision, parseRestart, parseReview, parseWhy } from './jobs';
import { parseIdOnly, parseReject, parseRequest } from './scopeRequests';
import { parseSubscribe } from './subscriptions';
import { isKeyword, normalizeText, tokenize, verbKey } from './tokens';
import type { Command } from './types';

const VERBS = new Set([
  'help',
  '?',
  'whoami',
  'status',
  'start',
  'pause',
  'restart',
  'provision',
  'request',
  'pending',
  'approve',
  'reject',
  'cancel',
  'subscribe',
  'unsubscribe',
  'subscriptions',
  'audit',
  'doctor',
  'why',
  'review',
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
    case 'why':
      return parseWhy(args);
    case 'review':
      return parseReview(args);
    default:
      return { kind: 'unknown', text: rest ? `${tokens[0].text} ${rest}` : tokens[0].text };
  }
}
