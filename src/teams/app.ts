import { Application, TeamsAdapter } from '@microsoft/teams-ai';
import type { TurnContext } from 'botbuilder';
import { COMMANDS, parseCommand, type Command, type CommandInfo } from '../domain/commands';
import type { Permission } from '../domain/permissions';
import type { Clock } from '../domain/clock';
import type { Logger } from '../logger';
import type { AccessService, ResolvedCaller } from '../services/access';
import { callerOf, type Caller } from './identity';
import { notice, toActivity, type Outcome, type Reply } from './reply';
import { ROUTED_COMMANDS } from './routedCommands';

/** Everything a command handler may use. Built once per turn by the router. */
export interface Turn {
  context: TurnContext;
  caller: Caller;
  /** Set when the command needed a permission: the caller as just resolved for that check. */
  resolved?: ResolvedCaller;
}

export type CommandHandler<K extends Command['kind'] = Command['kind']> = (turn: Turn, command: Extract<Command, { kind: K }>) => Promise<Reply>;
export type CommandHandlers = { [K in Command['kind']]?: CommandHandler<K> };

export interface BotAppOptions {
  adapter: TeamsAdapter;
  botAppId: string;
  access: AccessService;
  homeTenantId: string;
  handlers: CommandHandlers;
  /** Commands that change something: their permission is checked with roles resolved afresh. */
  changing: ReadonlySet<Command['kind']>;
  /** Resolves a command's configuration argument to a configured name (for per-configuration policy), if any. */
  configurationOf?: (command: Command) => string | undefined;
  /** The help card, with an optional one-line hint on top (for unknown text). */
  help: (hint?: string) => Reply;
  logger: Logger;
  clock: Clock;
}

const CATALOGUE = new Map<string, CommandInfo>(COMMANDS.map((c) => [c.kind, c]));

/**
 * The teams-ai Application: one catch-all message route that parses the text into a command, checks the caller in one
 * place (tenant, then the command's permission), runs the handler and sends its card. Card buttons (Action.Execute
 * verbs) are registered by the features that own them.
 */
export function createBotApp(options: BotAppOptions): Application {
  const app = new Application({ adapter: options.adapter, botAppId: options.botAppId, removeRecipientMention: true, startTypingTimer: false, longRunningMessages: false });
  const routed = new Set(ROUTED_COMMANDS);

  app.message(/[\s\S]*/, async (context) => {
    const started = options.clock.now();
    let kind = 'none';
    let outcome: Outcome = 'ok';
    try {
      const command = parseCommand(context.activity.text ?? '');
      kind = command.kind;
      const reply = await dispatch(context, command);
      outcome = reply.outcome ?? 'ok';
      await context.sendActivity(toActivity(reply));
    } catch (err) {
      outcome = 'failed';
      options.logger.error({ err, command: kind }, 'command failed');
      await context.sendActivity(toActivity(notice('Something went wrong', 'I could not finish that. The error is logged; please try again in a moment.', { style: 'error' })));
    } finally {
      options.logger.info({ activityType: context.activity.type, command: kind, latencyMs: options.clock.now() - started, outcome, conversationType: context.activity.conversation?.conversationType }, 'turn');
    }
  });

  async function dispatch(context: TurnContext, command: Command): Promise<Reply> {
    const caller = callerOf(context);
    if (!caller) {
      return notice('Who are you?', 'This message did not carry a Microsoft Entra user and tenant, so I cannot check what you may do.', { style: 'error', outcome: 'refused' });
    }
    if (caller.tenantId !== options.homeTenantId) {
      return notice('Not available in your organisation', `This bot serves tenant ${options.homeTenantId} only.`, { style: 'error', outcome: 'refused' });
    }
    if (command.kind === 'invalid') {
      return notice(`That ${command.command} command needs another look`, command.problem, { hint: `Type: ${command.usage}\nExample: ${command.example}`, style: 'warning', outcome: 'invalid' });
    }
    const handler = routed.has(command.kind) ? (options.handlers[command.kind] as CommandHandler | undefined) : undefined;
    if (command.kind === 'unknown' || !handler) {
      const said = command.kind === 'unknown' ? command.text.trim() : command.kind;
      return { ...options.help(said ? `I don't know "${clip(said)}". Here is what I can do:` : undefined), outcome: said ? 'invalid' : 'ok' };
    }
    const permission = CATALOGUE.get(command.kind)?.permission as Permission | undefined;
    const turn: Turn = { context, caller };
    if (permission) {
      const decision = await options.access.check(caller, permission, { fresh: options.changing.has(command.kind), configuration: options.configurationOf?.(command) });
      if (!decision.allowed) return refusal(decision.permission, decision.grantedBy, decision.reason);
      turn.resolved = decision.caller;
    }
    return handler(turn, command as never);
  }

  return app;
}

export function refusal(permission: Permission, grantedBy: string[], reason: string): Reply {
  const granted = grantedBy.length ? `It is granted by: ${grantedBy.join(', ')}.` : '';
  return notice('Not allowed', `${reason}`, { hint: `This needs the permission ${permission}. ${granted}`.trim(), style: 'error', outcome: 'refused' });
}

function clip(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 60 ? `${oneLine.slice(0, 59)}…` : oneLine;
}
