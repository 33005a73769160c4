import type { Application } from '@microsoft/teams-ai';
import { TurnContext, type Activity } from 'botbuilder';
import { z } from 'zod';
import type { Clock } from '../domain/clock';
import { ACTION_PERMISSIONS, type IncidentAction } from '../domain/incidents';
import type { Permission } from '../domain/permissions';
import type { Logger } from '../logger';
import type { AuditWriter as AuditLog } from '../domain/audit';
import type { Configurations } from '../services/configurations';
import { actionsOf } from '../domain/alerts';
import type { Monitor } from '../services/monitor';
import type { ConversationKind, ConversationTarget, Subscription, SubscriptionTopic } from '../services/ports';
import type { Actor, OperationsService } from '../services/operations';
import { INCIDENT_JOB_ACTIONS } from '../domain/jobActions';
import { ALL_CONFIGURATIONS, conversationKeyOf, describeTarget, type Subscriptions } from '../services/subscriptions';
import type { CommandHandler, Turn } from './app';
import type { Command } from '../domain/commands';
import { plain, renderCard, type AdaptiveCard } from './cards';
import { ALERT_VERBS, allowDeletesCard, cardOfReply, failuresCard, noteOf, renderAlert, welcomeCard } from './alertCards';
import { utcTime } from './format';
import { noteTurn } from './turnLog';
import type { Gate } from './gate';
import { confirmCard } from './operationCards';
import { notice, toActivity, type Reply } from './reply';

/**
 * Teams side of proactive alerts: remembering conversations (install events and every turn), the welcome card, the
 * subscribe / unsubscribe / subscriptions commands, the alert card and its buttons. A button carries the incident id
 * and its verb only; everything else is read from the stored incident, and the permission is checked with roles
 * resolved afresh at the click.
 */

export interface AlertRouteDeps {
  subscriptions: Subscriptions;
  monitor: Monitor;
  operations: OperationsService;
  configs: Configurations;
  /** The lead's one gate for caller, tenant and permission (roles resolved afresh for changes). */
  gate: Gate;
  homeTenantId: string;
  logger: Logger;
  clock: Clock;
  /** Decisions taken on the card itself ("Keep blocked") are audited like actions on the job. */
  audit?: AuditLog;
}

const AlertData = z.object({ incident: z.string().min(3).max(200) });
/** The "Allow deletes" confirmation names its incident, the alert version and the count the admin decided on. */
const AllowDeletesData = z.object({
  incident: z.string().min(3).max(200),
  version: z.coerce.number().int().min(1),
  count: z.union([z.literal(''), z.coerce.number().int().min(0)]).optional(),
});
const SubscribeData = z.object({ topic: z.enum(['alerts', 'approvals']) });

// ---------------------------------------------------------------------------------------------
// Conversations

const KINDS: Record<string, ConversationKind> = { personal: 'personal', groupChat: 'groupChat', channel: 'channel' };

/** The conversation of a turn as a target for later proactive sends (a channel, not the thread of this message). */
export function targetOf(activity: Partial<Activity>): ConversationTarget | undefined {
  const conversation = activity.conversation;
  if (!conversation?.id || !activity.serviceUrl) return undefined;
  const key = conversationKeyOf(conversation.id);
  const reference = TurnContext.getConversationReference(activity);
  delete reference.activityId;
  delete reference.locale;
  const channelData = (activity.channelData ?? {}) as { channel?: { name?: string }; team?: { name?: string }; tenant?: { id?: string } };
  const kind = KINDS[conversation.conversationType ?? ''] ?? (conversation.isGroup ? 'groupChat' : 'personal');
  const name =
    kind === 'channel' ? [channelData.team?.name, channelData.channel?.name].filter(Boolean).join(' / ') || undefined : conversation.name || undefined;
  // In a chat or channel the sender changes with every message: keeping them would rewrite the record each time and
  // store a random member's identity on the conversation. A personal chat's user is the conversation.
  if (kind !== 'personal') delete reference.user;
  const target: ConversationTarget = {
    key,
    kind,
    // A JSON copy: the stored reference is data, never a live object of the adapter.
    reference: JSON.parse(
      JSON.stringify({ ...reference, conversation: { ...reference.conversation, id: key, tenantId: conversation.tenantId ?? channelData.tenant?.id } }),
    ) as Record<string, unknown>,
  };
  if (name) target.name = name;
  if (kind === 'personal' && activity.from?.aadObjectId) target.userAadObjectId = activity.from.aadObjectId.toLowerCase();
  return target;
}

function tenantOfActivity(activity: Partial<Activity>): string | undefined {
  return ((activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id ?? activity.conversation?.tenantId)?.toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Commands

function resolveConfig(configs: Configurations, name: string): { ok: true; name: string } | { ok: false; reply: Reply } {
  if (name.toLowerCase() === ALL_CONFIGURATIONS) return { ok: true, name: ALL_CONFIGURATIONS };
  const found = configs.resolve(name);
  if (!found.ok) return { ok: false, reply: notice(found.problem, found.hint, { style: 'warning', outcome: 'not-found' }) };
  return { ok: true, name: found.config.name };
}

const TOPIC_WORDS: Record<SubscriptionTopic, string> = { alerts: 'Alerts', approvals: 'Approval requests' };

type SubscribeCommand = Extract<Command, { kind: 'subscribe' | 'unsubscribe' }>;
type SubscribeHandler = (turn: Turn, command: SubscribeCommand) => Promise<Reply>;

export function subscribeHandler(deps: Pick<AlertRouteDeps, 'subscriptions' | 'configs'>): SubscribeHandler {
  return async (turn, command) => {
    const target = targetOf(turn.context.activity);
    if (!target) return notice('I cannot post here', 'This conversation has no address I can post to later.', { style: 'error', outcome: 'failed' });
    const config = resolveConfig(deps.configs, command.config);
    if (!config.ok) return config.reply;
    const { changed } = await deps.subscriptions.subscribe(target, command.topic, config.name, {
      aadObjectId: turn.caller.aadObjectId,
      name: turn.caller.name,
    });
    const what = `${TOPIC_WORDS[command.topic]} for ${config.name === ALL_CONFIGURATIONS ? 'all configurations' : config.name}`;
    return changed
      ? notice('Subscribed', `${what} will be posted to this ${describeTarget(target)}.`, {
          hint: `To stop: unsubscribe ${command.topic} ${config.name}`,
          style: 'good',
        })
      : notice('Already subscribed', `${what} are already posted here.`, { hint: 'Type "subscriptions" to see them all.' });
  };
}

export function unsubscribeHandler(deps: Pick<AlertRouteDeps, 'subscriptions' | 'configs'>): SubscribeHandler {
  return async (turn, command) => {
    const target = targetOf(turn.context.activity);
    if (!target) return notice('Nothing to unsubscribe', 'This conversation has no subscriptions.', { outcome: 'not-found' });
    const config = resolveConfig(deps.configs, command.config);
    if (!config.ok) return config.reply;
    const removed = await deps.subscriptions.unsubscribe(target.key, command.topic, config.name, {
      aadObjectId: turn.caller.aadObjectId,
      name: turn.caller.name,
    });
    const what = `${TOPIC_WORDS[command.topic]} for ${config.name === ALL_CONFIGURATIONS ? 'all configurations' : config.name}`;
    if (!removed) {
      const others = (await deps.subscriptions.list(target.key)).filter((s) => s.active && s.topic === command.topic);
      return notice('Not subscribed', `${what} are not posted here.`, {
        hint: others.length
          ? `This conversation is subscribed to ${command.topic} for: ${others.map((s) => s.configuration).join(', ')}.`
          : 'Type "subscriptions" to see what is.',
        outcome: 'not-found',
      });
    }
    return notice('Unsubscribed', `${what} will no longer be posted here.`, { style: 'good' });
  };
}

export function subscriptionsReply(subscriptions: Subscription[], target: ConversationTarget | undefined): Reply {
  const rows = subscriptions.map((s) => ({
    topic: TOPIC_WORDS[s.topic],
    configuration: s.configuration === ALL_CONFIGURATIONS ? 'all configurations' : s.configuration,
    state: s.active ? 'active' : 'stopped',
    detail: s.active ? `By ${plain(s.by.name, 100)}, ${utcTime(s.at)}` : `Stopped: ${plain(s.deactivatedReason ?? 'unknown', 200)}`,
  }));
  const place = target ? describeTarget(target) : 'conversation';
  return {
    card: renderCard('subscriptions', {
      title: 'Subscriptions',
      summary: rows.length ? `What this ${place} receives:` : `This ${place} receives no alerts or approval requests.`,
      rows,
      hint: 'Type "subscribe alerts all" or "subscribe approvals <configuration>"; "unsubscribe …" stops one.',
    }),
    summary: `${rows.length} subscription(s)`,
  };
}

export function subscriptionsHandler(deps: Pick<AlertRouteDeps, 'subscriptions'>): CommandHandler<'subscriptions'> {
  return async (turn) => {
    const target = targetOf(turn.context.activity);
    const subs = target ? await deps.subscriptions.list(target.key) : [];
    return subscriptionsReply(subs, target);
  };
}

// ---------------------------------------------------------------------------------------------
// Routes

export function registerAlertRoutes(app: Application, deps: AlertRouteDeps): void {
  const { subscriptions, logger } = deps;
  const isHome = (activity: Partial<Activity>) => tenantOfActivity(activity) === deps.homeTenantId.toLowerCase();

  // Every turn from the home tenant keeps the conversation's address fresh (a no-op when nothing changed).
  app.turn('beforeTurn', async (context) => {
    const a = context.activity;
    if ((a.type === 'message' || a.type === 'invoke') && isHome(a)) {
      const target = targetOf(a);
      if (target) await subscriptions.remember(target).catch((err) => logger.warn({ err }, 'could not remember the conversation'));
    }
    return true;
  });

  const welcome = async (context: TurnContext) => {
    const a = context.activity;
    if (!isHome(a)) return;
    const target = targetOf(a);
    if (!target) return;
    if (!(await subscriptions.claimWelcome(target))) return; // greeted already (install sends two events at once)
    await subscriptions.remember(target);
    const place = target.kind === 'personal' ? 'chat' : target.kind === 'channel' ? 'channel' : 'group chat';
    await context.sendActivity(toActivity({ card: welcomeCard(place, deps.configs.names()), summary: 'CTS Ops: alerts and approvals for cross-tenant sync' }));
  };

  app.conversationUpdate('membersAdded', async (context) => {
    const botId = context.activity.recipient?.id;
    if (context.activity.membersAdded?.some((m) => m.id === botId)) await welcome(context);
  });

  app.activity('installationUpdate', async (context) => {
    const action = (context.activity as { action?: string }).action ?? '';
    if (/^add/.test(action)) await welcome(context);
    else if (/^remove/.test(action) && isHome(context.activity)) {
      const target = targetOf(context.activity);
      if (target) await subscriptions.deactivate(target.key, 'the bot was removed from this conversation').catch(() => undefined);
    }
  });

  app.adaptiveCards.actionExecute('subscriptions.subscribe', async (context, _state, data) => {
    const parsed = SubscribeData.safeParse(data);
    if (!parsed.success) return cardOfReply(notice('That button is out of date', 'Type "subscribe alerts all" instead.', { style: 'warning' }));
    const g = await deps.gate.check(context, 'alerts.manage', { fresh: true });
    if (!g.ok) {
      // The welcome card stays a welcome card for the clicker (its other button may still be theirs to use).
      noteTurn(context, { command: 'subscriptions.subscribe', outcome: g.reply.outcome ?? 'refused' });
      const target = targetOf(context.activity);
      const place = target?.kind === 'personal' ? 'chat' : target?.kind === 'channel' ? 'channel' : 'group chat';
      return welcomeCard(place, deps.configs.names(), noteOf(g.reply));
    }
    const caller = g.caller;
    const target = targetOf(context.activity);
    if (!target) return cardOfReply(notice('I cannot post here', 'This conversation has no address I can post to later.', { style: 'error' }));
    const { changed } = await subscriptions.subscribe(target, parsed.data.topic, ALL_CONFIGURATIONS, { aadObjectId: caller.aadObjectId, name: caller.name });
    return cardOfReply(
      notice(
        changed ? 'Subscribed' : 'Already subscribed',
        `${TOPIC_WORDS[parsed.data.topic]} for all configurations ${changed ? 'will be' : 'are already'} posted to this ${describeTarget(target)}.`,
        {
          hint: `Subscribed by ${caller.name}. Type "subscriptions" to see them, "unsubscribe ${parsed.data.topic} all" to stop.`,
          style: 'good',
        },
      ),
    );
  });

  for (const [action, verb] of Object.entries(ALERT_VERBS) as [IncidentAction, string][]) {
    app.adaptiveCards.actionExecute(verb, async (context, _state, data) => {
      try {
        return await onAlertButton(context, action, data, deps);
      } catch (err) {
        logger.error({ err, verb }, 'alert button failed');
        return cardOfReply(notice('Something went wrong', 'I could not finish that. The error is logged; please try again in a moment.', { style: 'error' }));
      }
    });
  }

  app.adaptiveCards.actionExecute('deletes.allow.confirm', async (context, _state, data) => {
    try {
      return await onAllowDeletesConfirm(context, data, deps);
    } catch (err) {
      logger.error({ err }, 'allow deletes confirmation failed');
      return cardOfReply(
        notice('Something went wrong', 'I could not finish that. The error is logged; check "status" before trying again.', { style: 'error' }),
      );
    }
  });
  app.adaptiveCards.actionExecute('deletes.allow.cancel', (context) => {
    const who = context.activity.from?.name ?? 'someone';
    return Promise.resolve(cardOfReply(notice('Allow deletes: cancelled', `Cancelled by ${who}. Nothing was sent; the deletions stay held back.`)));
  });
}

/**
 * The one click that may send ForceDeletes for an incident: permission checked with fresh roles, then the incident
 * claimed by CAS (still open, still the current one, not allowed yet, same count), then ForceDeletes, then the job
 * read back to say what really happened. Every other click is answered, not obeyed.
 */
async function onAllowDeletesConfirm(context: TurnContext, data: unknown, deps: AlertRouteDeps): Promise<AdaptiveCard> {
  const parsed = AllowDeletesData.safeParse(data);
  if (!parsed.success)
    return cardOfReply(
      notice(
        'That confirmation is out of date',
        'It does not say which alert it belongs to, so nothing was sent. Use the Allow deletes button on the alert card.',
        { style: 'warning' },
      ),
    );
  const configuration = parsed.data.incident.split('@')[0];
  const g = await deps.gate.check(context, 'deletes.allow', { fresh: true, configuration });
  if (!g.ok) return cardOfReply(g.reply);
  const actor: Actor = { aadObjectId: g.caller.aadObjectId, name: g.resolved?.displayName ?? g.caller.name };
  const count = typeof parsed.data.count === 'number' ? parsed.data.count : undefined;
  const claim = await deps.monitor.allowDeletes.claim(parsed.data.incident, { version: parsed.data.version, count }, actor);
  if (!claim.ok) return cardOfReply(notice('Nothing was sent', claim.reason, { style: 'warning', hint: 'Type "status" for the current state.' }));
  const outcome = await deps.operations.run(claim.config, INCIDENT_JOB_ACTIONS.allowDeletes!, actor);
  const after = outcome.ok ? await deps.monitor.allowDeletes.jobAfter(claim.config) : undefined;
  const still = after?.quarantined ?? false;
  const message = !outcome.ok
    ? outcome.message
    : !after
      ? 'ForceDeletes was sent, but the job could not be read back: check "status" to see whether it left quarantine.'
      : still
        ? `ForceDeletes was sent, but the job is still quarantined (${after.reason ?? 'no reason given'}). The deletions may not go through: restart the job, and check the provisioning logs after the next cycle.`
        : `ForceDeletes was sent; the job is now ${after.code}, and the held-back deletions go through on the next cycle.`;
  await deps.monitor.allowDeletes.finish(parsed.data.incident, { ok: outcome.ok, message, stillQuarantined: outcome.ok && still });
  const style = !outcome.ok ? 'error' : still ? 'warning' : 'good';
  return cardOfReply(
    notice(`Allow deletes ${configuration}: ${!outcome.ok ? 'failed' : still ? 'sent, still quarantined' : 'done'}`, message, {
      style,
      hint: `Confirmed by ${actor.name}.${outcome.requestId ? ` Graph request id ${outcome.requestId}.` : ''}`,
    }),
  );
}

async function onAlertButton(context: TurnContext, action: IncidentAction, data: unknown, deps: AlertRouteDeps): Promise<AdaptiveCard> {
  const parsed = AlertData.safeParse(data);
  if (!parsed.success)
    return cardOfReply(notice('That button is out of date', 'This card does not say which alert it belongs to. Type "status" instead.', { style: 'warning' }));
  const lookup = await deps.monitor.actions.findIncident(parsed.data.incident);
  if (!lookup.found) return cardOfReply(notice('This alert is closed', lookup.reason, { hint: 'Type "status" for the current state.' }));
  const current = () => renderAlert(deps.monitor.view(lookup.record, lookup.alert)).card as AdaptiveCard;
  // A stale card (resolved meanwhile, or an action the incident no longer offers) is refreshed, not obeyed.
  if (lookup.alert.status !== 'open' || !actionsOf(lookup.alert).includes(action)) return current();

  const permission: Permission = ACTION_PERMISSIONS[action];
  const g = await deps.gate.check(context, permission, { fresh: permission !== 'sync.read', configuration: lookup.config.name });
  if (!g.ok) {
    // The alert stays the alert (its state is everyone's), with the refusal said on top for the clicker only.
    noteTurn(context, { command: ALERT_VERBS[action], outcome: g.reply.outcome ?? 'refused' });
    return renderAlert(deps.monitor.view(lookup.record, lookup.alert), noteOf(g.reply)).card as AdaptiveCard;
  }
  const actor: Actor = { aadObjectId: g.caller.aadObjectId, name: g.resolved?.displayName ?? g.caller.name };

  if (action === 'showFailures') {
    const entries = await deps.monitor.actions.failures(lookup.config);
    await context.sendActivity(toActivity({ card: failuresCard(lookup.config.name, entries), summary: `Latest failures of ${lookup.config.name}` }));
    return current();
  }
  if (action === 'keepBlocked') {
    const record = await deps.monitor.actions.acknowledge(lookup.alert.incident.id, actor, 'deletions kept blocked; put the users back in scope');
    await deps.audit
      ?.append({
        actor,
        action: 'deletes.keepBlocked',
        configuration: lookup.config.name,
        target: lookup.alert.incident.id,
        outcome: record ? 'ok' : 'failed',
        detail: 'Deletions above the threshold kept blocked.',
      })
      .catch((err) => deps.logger.warn({ err }, 'could not audit Keep blocked'));
    return record?.alert ? (renderAlert(deps.monitor.view(record, record.alert)).card as AdaptiveCard) : current();
  }
  if (action === 'allowDeletes') {
    // Its own confirmation, tied to this incident: a leftover one cannot release a later incident's deletions.
    const view = deps.monitor.view(lookup.record, lookup.alert);
    await context.sendActivity(toActivity({ card: allowDeletesCard(view, actor.name), summary: `Confirm: allow deletes in ${lookup.config.name}` }));
    return current();
  }
  const jobAction = INCIDENT_JOB_ACTIONS[action]!;
  const op = await deps.operations.propose(lookup.config, jobAction, actor);
  // The confirmation is its own message: op.confirm / op.cancel update THAT message for everyone, while the alert
  // card stays an alert (the monitor marks it "action taken" through OperationsService.onExecuted).
  await context.sendActivity(toActivity(confirmCard(op, permission)));
  return current();
}
