import type { Application } from '@microsoft/teams-ai';
import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { Clock } from '../domain/clock';
import { isJobRestartScope, JOB_RESTART_SCOPES, permissionFor, type JobAction } from '../domain/jobActions';
import type { Logger } from '../logger';
import type { AccessService, ResolvedCaller } from '../services/access';
import type { Configurations } from '../services/configurations';
import type { OperationsService, PendingOperation } from '../services/operations';
import type { ProvisioningService } from '../services/provisioning';
import type { AuditReader } from '../domain/audit';
import type { CommandHandler, CommandHandlers } from './app';
import { plain, type AdaptiveCard } from './cards';
import { describeError, type Gate } from './gate';
import type { Caller } from './identity';
import { auditCard, confirmCard, operationResultCard, provisionCard, statusCard, statusDetailCard } from './operationCards';
import { notice, toActivity, type Reply } from './reply';
import { noteTurn } from './turnLog';
import { finishLater, INVOKE_ANSWER_MS, within, workingReply } from './deadline';

export interface OperationRouteDeps {
  /** Per-configuration policy: which configurations the caller may read (status and audit list only those). */
  access: AccessService;
  configs: Configurations;
  operations: OperationsService;
  provisioning: ProvisioningService;
  audit: AuditReader;
  gate: Gate;
  clock: Clock;
  logger: Logger;
  /** For updating a card after its click was answered "working" (the adapter's continueConversation). */
  botAppId?: string;
  /** How long a click may wait on Graph before it answers "working" (default INVOKE_ANSWER_MS). */
  answerWithinMs?: number;
}

const actor = (caller: Caller) => ({ aadObjectId: caller.aadObjectId, name: caller.name });

function unknownConfig(problem: string, hint: string): Reply {
  return notice(problem, hint, { style: 'warning', outcome: 'invalid' });
}

/** Configurations a caller may read: a per-configuration policy can narrow `sync.read`. */
function readable(deps: OperationRouteDeps, resolved: ResolvedCaller | undefined): (name: string) => boolean {
  return (name) => !!resolved && deps.access.permissions(resolved, name).includes('sync.read');
}

/** Text commands: status, start, pause, restart, provision, audit. The router has checked the command's permission. */
export function operationHandlers(deps: OperationRouteDeps): CommandHandlers {
  const { configs, operations, provisioning, audit, clock } = deps;

  const status: CommandHandler<'status'> = async (turn, command) => {
    if (!command.config) {
      const mayRead = readable(deps, turn.resolved);
      const overview = await operations.statusOverview();
      return statusCard(
        overview.rows.filter((r) => mayRead(r.config.name)),
        configs,
        clock.now(),
        overview,
      );
    }
    const found = configs.resolve(command.config);
    if (!found.ok) return unknownConfig(found.problem, found.hint);
    return statusDetailCard(await operations.statusDetail(found.config), configs, clock.now());
  };

  const start: CommandHandler<'start'> = async (turn, command) => {
    const found = configs.resolve(command.config);
    if (!found.ok) return unknownConfig(found.problem, found.hint);
    const outcome = await operations.run(found.config, { kind: 'start' }, actor(turn.caller));
    const title = outcome.unchanged ? `${found.config.name} is already running` : `Start ${found.config.name}: ${outcome.ok ? 'done' : 'failed'}`;
    return notice(title, outcome.message, {
      style: outcome.ok ? 'good' : 'error',
      hint: outcome.requestId ? `Graph request id ${outcome.requestId}` : undefined,
    });
  };

  const propose = async (turn: { caller: Caller }, name: string | undefined, action: JobAction): Promise<Reply> => {
    const found = configs.resolve(name);
    if (!found.ok) return unknownConfig(found.problem, found.hint);
    const op = await operations.propose(found.config, action, actor(turn.caller));
    return confirmCard(op, permissionFor(action));
  };

  const pause: CommandHandler<'pause'> = (turn, command) => propose(turn, command.config, { kind: 'pause' });
  const restart: CommandHandler<'restart'> = (turn, command) => propose(turn, command.config, { kind: 'restart', scope: command.scope });

  const provision: CommandHandler<'provision'> = async (turn, command) => {
    const found = configs.resolve(command.config);
    if (!found.ok) return unknownConfig(found.problem, found.hint);
    const report = await provisioning.prepare(found.config, command.users);
    if (!report.items.some((i) => i.state === 'queued')) return { ...provisionCard({ ...report, finished: true }), outcome: 'invalid' };
    return {
      ...provisionCard(report),
      // Up to 5 users go at once; more wait under Graph's limit, so the card keeps updating after this turn. Updates are
      // coalesced: one in flight at a time, and only the newest snapshot is sent next (Teams limits edits per chat).
      followUp: async (update) => {
        let latest: Reply | undefined;
        let chain = Promise.resolve();
        await provisioning.run(found.config, report, actor(turn.caller), (r) => {
          latest = provisionCard(r);
          chain = chain.then(async () => {
            if (!latest) return;
            const next = latest;
            latest = undefined;
            await update(next).catch((err) => deps.logger.warn({ err }, 'provision progress update failed'));
          });
        });
        await chain;
      },
    };
  };

  const auditTail: CommandHandler<'audit'> = async (turn, command) => {
    let configuration: string | undefined;
    if (command.config) {
      const found = configs.resolve(command.config);
      if (!found.ok) return unknownConfig(found.problem, found.hint);
      configuration = found.config.name;
    }
    const mayRead = readable(deps, turn.resolved);
    // Without a configuration: the caller's readable configurations and the entries that belong to none.
    const records = (await audit.last(command.count ?? 20, configuration ? { configuration } : {})).filter((r) => !r.configuration || mayRead(r.configuration));
    return auditCard(records, configuration ?? 'all configurations');
  };

  return { status, start, pause, restart, provision, audit: auditTail };
}

export const CHANGING_COMMANDS = ['start', 'pause', 'restart', 'provision'] as const;

const ConfigData = z.object({ config: z.string().min(1).max(64) }).passthrough();
const JobButtonData = z.object({ config: z.string().min(1).max(64), scope: z.string().max(20).optional() }).passthrough();
const OpData = z.object({ op: z.string().min(1).max(32) }).passthrough();

/**
 * Card buttons (Action.Execute). Card data carries only ids and a verb; the configuration and the operation are read
 * from state, the permission is checked with roles resolved afresh, and a confirmation runs once whoever clicks.
 */
export function registerOperationRoutes(app: Application, deps: OperationRouteDeps): void {
  const { configs, operations, gate, clock } = deps;

  /** Teams waits about 5 s for a click: slow Graph work answers "working" and replaces the card when it is done. */
  const inTime = async (context: TurnContext, verb: string, work: Promise<Reply>): Promise<Reply> => {
    const raced = await within(work, deps.answerWithinMs ?? INVOKE_ANSWER_MS);
    if (raced.done) return raced.value;
    const cardId = context.activity.replyToId;
    if (cardId) {
      void finishLater(context, deps.botAppId ?? '', cardId, raced.later, (err) => {
        deps.logger.error({ err, verb }, 'card action failed');
        return notice('Something went wrong', `I could not finish that: ${describeError(err)}`, {
          hint: 'The details are logged. Check the state before trying again.',
          style: 'error',
          outcome: 'failed',
        });
      }).catch((err) => deps.logger.error({ err, verb }, 'late card update failed'));
    } else {
      raced.later.catch((err) => deps.logger.error({ err, verb }, 'card action failed'));
    }
    return workingReply(`"${verb}"`);
  };

  const action = <T extends z.ZodTypeAny>(verb: string, schema: T, handler: (context: TurnContext, data: z.infer<T>) => Promise<Reply>) => {
    app.adaptiveCards.actionExecute(verb, async (context, _state, raw) => {
      let reply: Reply;
      const parsed = schema.safeParse(raw);
      try {
        reply = parsed.success
          ? await inTime(context, verb, handler(context, parsed.data as z.infer<T>))
          : notice('This card is out of date', 'Its data could not be read. Type the command again.', { style: 'warning', outcome: 'invalid' });
      } catch (err) {
        deps.logger.error({ err, verb }, 'card action failed');
        reply = notice('Something went wrong', `I could not finish that: ${describeError(err)}`, {
          hint: 'The details are logged. Check the state before trying again.',
          style: 'error',
          outcome: 'failed',
        });
      }
      noteTurn(context, { command: verb, outcome: reply.outcome ?? 'ok' });
      return cardOf(reply);
    });
  };

  action('status.refresh', z.object({}).passthrough(), async (context) => {
    const g = await gate.check(context, 'sync.read', { fresh: false });
    if (!g.ok) return g.reply;
    const mayRead = readable(deps, g.resolved);
    // Refresh is asked for: always a live read, never the monitor's reading.
    const overview = await operations.statusOverview({ live: true });
    return statusCard(
      overview.rows.filter((r) => mayRead(r.config.name)),
      configs,
      clock.now(),
      overview,
    );
  });

  action('status.detail', ConfigData, async (context, data) => {
    const config = configs.find(data.config);
    if (!config)
      return notice('Unknown configuration', `There is no configuration called "${plain(data.config, 64)}" any more.`, {
        style: 'warning',
        outcome: 'invalid',
      });
    const g = await gate.check(context, 'sync.read', { fresh: false, configuration: config.name });
    if (!g.ok) return g.reply;
    return statusDetailCard(await operations.statusDetail(config), configs, clock.now());
  });

  for (const verb of ['job.start', 'job.pause', 'job.restart'] as const) {
    action(verb, JobButtonData, async (context, data) => {
      const config = configs.find(data.config);
      if (!config)
        return notice('Unknown configuration', `There is no configuration called "${plain(data.config, 64)}" any more.`, {
          style: 'warning',
          outcome: 'invalid',
        });
      // A scope we do not know is refused, never read as a plain restart: the button said something else.
      if (verb === 'job.restart' && data.scope !== undefined && !isJobRestartScope(data.scope)) {
        return notice('This card could not be read', `"${plain(data.scope, 20)}" is not a restart scope, so nothing was done.`, {
          hint: `Type: restart ${config.name} [${JOB_RESTART_SCOPES.join('|')}]`,
          style: 'warning',
          outcome: 'invalid',
        });
      }
      const scope = data.scope !== undefined && isJobRestartScope(data.scope) ? data.scope : 'default';
      const jobAction: JobAction = verb === 'job.start' ? { kind: 'start' } : verb === 'job.pause' ? { kind: 'pause' } : { kind: 'restart', scope };
      const g = await gate.check(context, permissionFor(jobAction), { fresh: true, configuration: config.name });
      if (!g.ok) return g.reply;
      if (jobAction.kind === 'start') {
        const outcome = await operations.run(config, jobAction, actor(g.caller));
        return notice(outcome.unchanged ? `${config.name} is already running` : `Start ${config.name}: ${outcome.ok ? 'done' : 'failed'}`, outcome.message, {
          style: outcome.ok ? 'good' : 'error',
        });
      }
      return confirmCard(await operations.propose(config, jobAction, actor(g.caller)), permissionFor(jobAction));
    });
  }

  action('op.confirm', OpData, async (context, data) => {
    const op = await operations.getOperation(data.op);
    if (!op)
      return notice('Nothing to confirm', 'This confirmation does not exist (it may belong to another installation).', {
        style: 'warning',
        outcome: 'invalid',
      });
    const config = configs.find(op.configuration);
    const g = await gate.check(context, permissionFor(op.action), { fresh: true, configuration: config?.name });
    if (!g.ok) return g.reply;
    if (op.status !== 'pending' || operations.isExpired(op)) return operationResultCard(op);
    const result = await operations.confirm(op.id, actor(g.caller));
    const reply = operationResultCard(result?.op ?? op);
    await updateForEveryone(context, reply);
    return reply;
  });

  action('op.cancel', OpData, async (context, data) => {
    const op = await operations.getOperation(data.op);
    if (!op) return notice('Nothing to cancel', 'This confirmation does not exist.', { style: 'warning', outcome: 'invalid' });
    // The person who asked may withdraw it; anyone else needs the permission that confirming would need.
    const asker = await gate.check(context, undefined, { fresh: false });
    if (!asker.ok) return asker.reply;
    if (asker.caller.aadObjectId !== op.proposedBy.aadObjectId) {
      const g = await gate.check(context, permissionFor(op.action), { fresh: true, configuration: op.configuration });
      if (!g.ok) return g.reply;
    }
    const after: PendingOperation = (await operations.cancel(op.id, actor(asker.caller))) ?? op;
    const reply = operationResultCard(after);
    await updateForEveryone(context, reply);
    return reply;
  });
}

/** The invoke answer replaces the card for the clicker only; everyone else's copy is updated here. */
async function updateForEveryone(context: TurnContext, reply: Reply): Promise<void> {
  try {
    const id = context.activity.replyToId;
    if (!id) return;
    await context.updateActivity({ ...toActivity(reply), id });
  } catch {
    // Best effort: after a late answer the turn is over and its context gone; the card is updated by finishLater.
  }
}

function cardOf(reply: Reply): AdaptiveCard | string {
  return 'card' in reply ? reply.card : reply.text;
}
