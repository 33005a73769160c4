/** subscribe / unsubscribe: where alerts and approval requests are posted. */
import { isConfigName } from './names';
import { configProblem, echo, invalid, isKeyword, type Token } from './tokens';
import type { Command, SubscriptionTopic } from './types';

export function parseSubscribe(verb: 'subscribe' | 'unsubscribe', args: Token[]): Command {
  const k = args[0]?.key;
  const topic: SubscriptionTopic | undefined = k === 'alerts' || k === 'alert' ? 'alerts' : k === 'approvals' || k === 'approval' ? 'approvals' : undefined;
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
