import { Application, TeamsAdapter } from '@microsoft/teams-ai';
import { TurnContext, type ConversationReference } from 'botbuilder';
import { finishLater, MESSAGE_ANSWER_MS, within, workingReply } from './deadline';
import { COMMANDS, parseCommand, type Command, type CommandInfo } from '../domain/commands';
import type { Clock } from '../domain/clock';
import type { Logger } from '../logger';
import type { ResolvedCaller } from '../services/access';
import { describeError, type Gate } from './gate';
import type { Caller } from './identity';
import { notice, toActivity, type Outcome, type Reply } from './reply';
import { ROUTED_COMMANDS } from './routedCommands';
import { noteTurn } from './turnLog';

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
  gate: Gate;
  handlers: CommandHandlers;
  /** Commands that change something: their permission is checked with roles resolved afresh. */
  changing: ReadonlySet<Command['kind']>;
  /**
   * Commands whose handler checks the permission itself, against state the router cannot see (approve/reject/cancel
   * act on a stored request whose configuration decides the policy). The router still checks the tenant.
   */
  checkedByHandler?: ReadonlySet<Command['kind']>;
  /** Resolves a command's configuration argument to a configured name (for per-configuration policy), if any. */
  configurationOf?: (command: Command) => string | undefined;
  /** The help card, with an optional one-line hint on top (for unknown text). */
  help: (hint?: string) => Reply;
  logger: Logger;
  clock: Clock;
  /** How long a message turn may wait before it answers "working" and finishes in the background. */
  answerWithinMs?: number;
}

const CATALOGUE = new Map<string, CommandInfo>(COMMANDS.map((c) => [c.kind, c]));

/**
 * The teams-ai Application: one catch-all message route that parses the text into a command, checks the caller in one
 * place (tenant, then the command's permission), runs the handler and sends its card. Card buttons (Action.Execute
 * verbs) are registered by the features that own them.
 */
export function createBotApp(options: BotAppOptions): Application {
  const app = new Application({
    adapter: options.adapter,
    botAppId: options.botAppId,
    removeRecipientMention: true,
    startTypingTimer: false,
    longRunningMessages: false,
  });
  const routed = new Set(ROUTED_COMMANDS);

  app.message(/[\s\S]*/, async (context) => {
    let kind = 'none';
    let outcome: Outcome = 'ok';
    try {
      const command = parseCommand(context.activity.text ?? '');
      kind = command.kind;
      const reference = TurnContext.getConversationReference(context.activity);
      // Teams waits about 15 s for a message turn: slow Graph work answers with a "working" card and updates it.
      const raced = await within(dispatch(context, command), options.answerWithinMs ?? MESSAGE_ANSWER_MS);
      if (raced.done) {
        const reply = raced.value;
        outcome = reply.outcome ?? 'ok';
        const sent = await context.sendActivity(toActivity(reply));
        if (reply.followUp && sent?.id) startFollowUp(reference, sent.id, reply.followUp);
      } else {
        const sent = await context.sendActivity(toActivity(workingReply(`"${command.kind}"`)));
        const id = sent?.id;
        const later = raced.later.then((reply) => {
          if (reply.followUp && id) startFollowUp(reference, id, reply.followUp);
          return reply;
        });
        if (id) {
          void finishLater(context, options.botAppId, id, later, (err) => {
            options.logger.error({ err, command: kind }, 'command failed');
            return failedReply(err);
          }).catch((err) => options.logger.error({ err }, 'late answer failed'));
        } else {
          later.catch((err) => options.logger.error({ err, command: kind }, 'command failed'));
        }
      }
    } catch (err) {
      outcome = 'failed';
      options.logger.error({ err, command: kind }, 'command failed');
      await context.sendActivity(toActivity(failedReply(err)));
    } finally {
      noteTurn(context, { command: kind, outcome });
    }
  });

  async function dispatch(context: TurnContext, command: Command): Promise<Reply> {
    if (command.kind === 'invalid' || command.kind === 'unknown') {
      const gate = await options.gate.check(context, undefined, { fresh: false });
      if (!gate.ok) return gate.reply;
    }
    if (command.kind === 'invalid') {
      return notice(`That ${command.command} command needs another look`, command.problem, {
        hint: `Type: ${command.usage}\nExample: ${command.example}`,
        style: 'warning',
        outcome: 'invalid',
      });
    }
    const handler = routed.has(command.kind) ? (options.handlers[command.kind] as CommandHandler | undefined) : undefined;
    if (command.kind === 'unknown' || !handler) {
      const said = command.kind === 'unknown' ? command.text.trim() : command.kind;
      return { ...options.help(said ? `I don't know "${clip(said)}". Here is what I can do:` : undefined), outcome: said ? 'invalid' : 'ok' };
    }
    const permission = options.checkedByHandler?.has(command.kind) ? undefined : CATALOGUE.get(command.kind)?.permission;
    const gate = await options.gate.check(context, permission, {
      fresh: options.changing.has(command.kind),
      configuration: options.configurationOf?.(command),
    });
    if (!gate.ok) return gate.reply;
    return handler({ context, caller: gate.caller, resolved: gate.resolved }, command);
  }

  /**
   * Long work (provisioning several users) continues after the turn has answered; its progress updates the card it
   * sent, through the adapter outside the turn.
   */
  function startFollowUp(reference: Partial<ConversationReference>, activityId: string, followUp: NonNullable<Reply['followUp']>): void {
    const update = (reply: Reply) =>
      options.adapter.continueConversationAsync(options.botAppId, reference, async (ctx) => {
        await ctx.updateActivity({ ...toActivity(reply), id: activityId });
      });
    void followUp(update).catch((err) => options.logger.error({ err }, 'follow-up failed'));
  }

  return app;
}

function failedReply(err: unknown): Reply {
  return notice('Something went wrong', `I could not finish that: ${describeError(err)}`, {
    hint: 'The details are logged. Check the state before trying again.',
    style: 'error',
  });
}

function clip(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 60 ? `${oneLine.slice(0, 59)}…` : oneLine;
}
