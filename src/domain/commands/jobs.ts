/** status / start / pause / restart / provision / doctor / why: the commands about a sync job and its configuration. */
import { FULL_RESTART_REFUSAL, RESTART_SCOPES, type RestartScope } from '../jobActions';
import { isConfigName, isUserReference } from './names';
import { configProblem, echo, invalid, isKeyword, splitTarget, TRAILING_PUNCT, uniqueCaseInsensitive, type Token } from './tokens';
import { MAX_PROVISION_USERS, type Command } from './types';

export function parseOptionalConfig(verb: 'status' | 'start' | 'pause', args: Token[]): Command {
  if (args.length > 1) return invalid(verb, `${verb} takes at most one configuration name.`);
  if (!args.length) return { kind: verb };
  const config = args[0].text;
  if (!isConfigName(config)) return invalid(verb, configProblem(config));
  return { kind: verb, config };
}

/** `doctor`, `doctor all` (every configuration) or `doctor <configuration>`. */
export function parseDoctor(args: Token[]): Command {
  if (args.length > 1) return invalid('doctor', 'doctor takes at most one configuration name, or "all".');
  if (!args.length || isKeyword(args[0], 'all')) return { kind: 'doctor' };
  const config = args[0].text;
  if (!isConfigName(config)) return invalid('doctor', configProblem(config));
  return { kind: 'doctor', config };
}

/** `review [<configuration>]` starts a scope review; `review status [<configuration>]` shows the open or last one. */
export function parseReview(args: Token[]): Command {
  const status = isKeyword(args[0], 'status');
  const rest = status ? args.slice(1) : args;
  const kind = status ? 'reviewStatus' : 'review';
  const verb = status ? 'review status' : 'review';
  if (rest.length > 1) return invalid(kind, `${verb} takes one configuration name.`);
  if (!rest.length) return { kind };
  const config = rest[0].text;
  if (isKeyword(rest[0], 'all')) return invalid(kind, `${verb} covers one configuration at a time; name it.`);
  if (!isConfigName(config)) return invalid(kind, configProblem(config));
  return { kind, config };
}

function asRestartScope(t: Token | undefined): RestartScope | undefined {
  if (!t || t.quoted) return undefined;
  const k = t.key.replace(TRAILING_PUNCT, '');
  return (RESTART_SCOPES as readonly string[]).includes(k) ? (k as RestartScope) : undefined;
}

export function parseRestart(args: Token[]): Command {
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

export function parseProvision(args: Token[]): Command {
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

/** `why <user> [in <configuration>]`: one user, by UPN, mail or object id. */
export function parseWhy(args: Token[]): Command {
  const { items, config, problem } = splitTarget(args, ['in', 'to', 'for']);
  if (problem) return invalid('why', problem);
  if (!items.length) return invalid('why', 'Say which user, by user principal name, mail or object id.');
  if (items.length > 1) return invalid('why', `why explains one user at a time; you gave ${items.length}.`);
  const user = items[0].text.replace(TRAILING_PUNCT, '');
  if (!isUserReference(user)) return invalid('why', `"${echo(user)}" is not a user principal name (name@domain) or object id.`);
  return config === undefined ? { kind: 'why', user } : { kind: 'why', user, config };
}
