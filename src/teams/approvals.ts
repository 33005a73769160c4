/**
 * Teams side of scope-change approvals: the text commands (request, pending, approve, reject, cancel), the request
 * form, and the card buttons (Action.Execute verbs approval.*). Routes parse, call ApprovalsService, and render.
 *
 * Card copies: the approval card is posted to every conversation subscribed to approvals for the configuration, and
 * the requester gets a status card (the reply where they asked, plus their personal chat when the bot has one). Each
 * posted card is recorded on the request; after every transition every copy is updated in place, always from the
 * latest stored state.
 */
import type { Application } from '@microsoft/teams-ai';
import { ActivityTypes, type Activity, type ResourceResponse, type TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { Clock } from '../domain/clock';
import { MAX_REQUEST_PRINCIPALS } from '../domain/commands';
import type { Logger } from '../logger';
import { approvalSubject, type ApprovalAudience, type ApprovalsService, type CopyRole, type StoredApproval } from '../services/approvals';
import type { Configurations } from '../services/configurations';
import type { Outbox } from '../services/outbox';
import type { CardRenderer, ConversationRef, OutgoingCard } from '../services/ports';
import type { ProvisioningService } from '../services/provisioning';
import { targetOf } from './alerts';
import type { CommandHandler, CommandHandlers } from './app';
import type { Permission } from '../domain/permissions';
import { pendingCard, problemReply, requestFormCard, requestReply, type Viewer } from './approvalCards';
import { provisionOutcome, provisionSummary } from './operationCards';
import type { AdaptiveCard } from './cards';
import type { Gate } from './gate';
import type { Caller } from './identity';
import { noteTurn } from './turnLog';
import { notice, type Reply } from './reply';

export interface ApprovalRouteDeps {
  approvals: ApprovalsService;
  configs: Configurations;
  gate: Gate;
  audience: ApprovalAudience;
  /** Where every copy of a request's card lives; the composition root registers approvalCardRenderer on it. */
  outbox: Outbox;
  clock: Clock;
  logger: Logger;
  provisioning?: ProvisioningService;
  /** How long a click waits for Graph before answering with an "applying…" card (Teams gives invokes ~5 s). */
  answerWithinMs?: number;
}

export const APPROVAL_COMMANDS = ['request', 'requestForm', 'pending', 'approve', 'reject', 'cancel'] as const;
/** Commands that change state: their permission is checked with roles resolved afresh. */
export const APPROVAL_CHANGING = ['request', 'approve', 'reject', 'cancel'] as const;
export const APPROVAL_VERBS = ['approval.approve', 'approval.reject', 'approval.cancel', 'approval.refresh', 'approval.provision'] as const;
type ButtonVerb = (typeof APPROVAL_VERBS)[number];

const REQUEST_ID = /^REQ-[0-9A-Z]{5}$/;
/** What a button may carry: the request id, the verb, the card version — and the reject reason typed on the card. */
const ButtonData = z
  .object({
    requestId: z.string().regex(REQUEST_ID),
    verb: z.enum(APPROVAL_VERBS).optional(),
    cardVersion: z.coerce.number().int().nonnegative(),
    reason: z.string().max(2000).optional(),
  })
  .strict();
const FormData = z
  .object({
    verb: z.literal('approval.submit').optional(),
    configuration: z.string().max(64).optional(),
    op: z.enum(['add', 'remove']).optional(),
    principalType: z.enum(['user', 'group']).optional(),
    principals: z.string().max(8000).optional(),
    reason: z.string().max(2000).optional(),
  })
  .strict();

const timeout = (ms: number) => new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref?.());

const routeOf = (configs: Configurations, rec: StoredApproval): string | undefined => {
  const config = configs.find(rec.request.configuration);
  return config ? configs.route(config) : undefined;
};

/**
 * The approval card of one copy, from the latest stored state (the CardRenderer port for 'approval' subjects): the
 * requester's own personal chat shows their view; shared places show the base view, refreshed per user by Teams.
 */
export function approvalCardRenderer(deps: Pick<ApprovalRouteDeps, 'approvals' | 'configs' | 'clock'>): CardRenderer {
  return async (id, copy) => {
    const rec = await deps.approvals.get(id);
    if (!rec) return undefined;
    const now = deps.clock.now();
    const route = routeOf(deps.configs, rec);
    const view =
      copy.role === 'requester' && copy.target.kind === 'personal'
        ? { viewer: { aadObjectId: rec.request.requester.aadObjectId, permissions: ['scope.request' as const] } }
        : { refreshUserIds: await deps.approvals.refreshUserIds(rec) };
    return requestReply(rec, { now, route, ...view }) as OutgoingCard;
  };
}

/** Records a card that is already in a conversation (a command's reply) as a copy the outbox keeps current. */
async function remember(deps: ApprovalRouteDeps, rec: StoredApproval, copy: { role: CopyRole; target: ConversationRef; activityId: string }, versionShown = 0): Promise<void> {
  const subject = approvalSubject(rec.request.id);
  await deps.outbox.publish(subject, 1, [{ ...copy, versionShown }]);
  await deps.outbox.flush(subject);
}

/** The outbox version a card rendered now shows (a change after this read makes the copy due again). */
async function shownVersion(deps: ApprovalRouteDeps, rec: StoredApproval): Promise<number> {
  return (await deps.outbox.read(approvalSubject(rec.request.id)))?.version ?? 1;
}

/** Sends the approval cards through the outbox and answers the requester with a status card that is itself a copy. */
async function announce(deps: ApprovalRouteDeps, context: TurnContext, rec: StoredApproval, origin: ConversationRef | undefined, answeredInPlace?: string): Promise<Reply> {
  const { approvals, clock, outbox } = deps;
  const subject = approvalSubject(rec.request.id);
  const all = await deps.audience.targetsFor('approvals', rec.request.configuration);
  const targets = all.filter((t) => t.key !== origin?.key);
  const places = targets.length + (all.length > targets.length ? 1 : 0);
  const personal = await deps.audience.personalTargetOf(rec.request.requester.aadObjectId);
  const recipients = targets.map((target) => ({ target, role: 'approvers' }));
  if (personal && personal.key !== origin?.key) recipients.push({ target: personal, role: 'requester' });
  await outbox.publish(subject, 1, recipients);
  approvals.runInBackground(outbox.flush(subject));
  // Nothing has been posted yet: the copies say what happened as they are delivered and updated.
  const note = places
    ? `Sending to approvers in ${places} place${places === 1 ? '' : 's'}. You will see the decision here.`
    : `No chat or channel is subscribed to approvals for ${rec.request.configuration}, so approvers will only see this with "pending". Someone with alerts.manage can type "subscribe approvals ${rec.request.configuration}" where approvers work.`;
  const view =
    origin?.kind === 'personal'
      ? { viewer: { aadObjectId: rec.request.requester.aadObjectId, permissions: ['scope.request' as const] } }
      : { refreshUserIds: await approvals.refreshUserIds(rec) };
  const reply = requestReply(rec, { now: clock.now(), route: routeOf(deps.configs, rec), note, noteStyle: places ? 'good' : 'warning', ...view });
  if (origin) {
    if (answeredInPlace) await remember(deps, rec, { role: 'requester', target: origin, activityId: answeredInPlace }, 1);
    else captureReply(context, (activityId) => remember(deps, rec, { role: 'requester', target: origin, activityId }, 1));
  }
  return reply;
}

/** Text commands. The router has checked the command's permission (scope.request / scope.approve). */
export function approvalHandlers(deps: ApprovalRouteDeps): CommandHandlers {
  const { approvals, configs, clock } = deps;

  const request: CommandHandler<'request'> = async (turn, command) => {
    const origin = targetOf(turn.context.activity);
    const outcome = await approvals.create({
      configuration: command.config,
      op: command.op,
      principalType: command.principalType,
      principals: command.principals,
      reason: command.reason,
      requester: turn.caller,
      ...(origin ? { origin } : {}),
    });
    if (!outcome.ok) return problemReply(outcome.problem);
    return announce(deps, turn.context, outcome.record, origin);
  };

  const requestForm: CommandHandler<'requestForm'> = async () => requestFormCard(configs.names());

  const pending: CommandHandler<'pending'> = async (turn) => {
    const records = await approvals.pending();
    const viewer = await viewerFor(approvals, turn.caller, records[0]?.request.configuration);
    return pendingCard(records, viewer, clock.now());
  };

  const decideByText = async (turn: { caller: Caller; context: TurnContext }, id: string, verb: 'approve' | 'reject' | 'cancel', reason?: string): Promise<Reply> => {
    const result = await decideAndRender(deps, turn.caller, id, verb, reason);
    const rec = result.record;
    const origin = targetOf(turn.context.activity);
    if (rec && origin) {
      const role = turn.caller.aadObjectId === rec.request.requester.aadObjectId ? 'requester' : 'approvers';
      const shown = await shownVersion(deps, rec);
      captureReply(turn.context, (activityId) => remember(deps, rec, { role, target: origin, activityId }, shown));
    }
    return result.reply;
  };

  const handlers: CommandHandlers = {
    request,
    requestForm,
    pending,
    approve: (turn, c) => decideByText(turn, c.id, 'approve'),
    reject: (turn, c) => decideByText(turn, c.id, 'reject', c.reason),
    cancel: (turn, c) => decideByText(turn, c.id, 'cancel'),
  };
  return handlers;
}

/** Runs `onId` with the id Teams gives the next message this turn sends (the command's reply card). */
function captureReply(context: TurnContext, onId: (activityId: string) => Promise<void>): void {
  let done = false;
  context.onSendActivities(async (_ctx, activities: Partial<Activity>[], next) => {
    const responses = (await next()) as ResourceResponse[] | undefined;
    if (!done) {
      const i = activities.findIndex((a) => a.type === ActivityTypes.Message);
      const id = i >= 0 ? responses?.[i]?.id : undefined;
      if (id) {
        done = true;
        await onId(id).catch(() => undefined);
      }
    }
    return responses as ResourceResponse[];
  });
}

async function viewerFor(approvals: ApprovalsService, caller: Caller, configuration: string | undefined): Promise<Viewer> {
  const permissions = configuration ? await approvals.permissionsFor(caller, configuration, false).catch(() => []) : [];
  if (permissions.includes('scope.approve')) void approvals.noteApprover(caller.aadObjectId).catch(() => undefined);
  return { aadObjectId: caller.aadObjectId, permissions };
}

/** One decision, from a button or a text command; answers within `answerWithinMs` even when Graph is slow. */
async function decideAndRender(
  deps: ApprovalRouteDeps,
  caller: Caller,
  id: string,
  verb: 'approve' | 'reject' | 'cancel',
  reason?: string,
): Promise<{ reply: Reply; record?: StoredApproval }> {
  const { approvals, clock } = deps;
  const outcome = await approvals.act(id, verb, caller, { reason });
  if (outcome.kind === 'not-found') return { reply: notFound(id) };
  let rec = outcome.record;
  let note: string;
  let style: 'good' | 'warning' | 'error' = 'good';
  if (outcome.kind === 'refused') {
    note = outcome.message;
    style = 'warning';
  } else if (outcome.execution) {
    const finished = await Promise.race([outcome.execution, timeout(deps.answerWithinMs ?? 3000)]);
    if (finished === 'timeout') note = 'Approved. The bot is changing the assignments now; this card updates when it is done.';
    else {
      rec = finished;
      note = rec.request.status === 'done' ? 'Approved and carried out.' : 'Approved, but Graph refused part of the change: see the outcome below.';
      style = rec.request.status === 'done' ? 'good' : 'error';
    }
  } else {
    note = verb === 'reject' ? 'Rejected. The requester sees your reason.' : 'Cancelled.';
  }
  const viewer = await viewerFor(approvals, caller, rec.request.configuration);
  return { reply: { ...requestReply(rec, { now: clock.now(), route: routeOf(deps.configs, rec), viewer, note, noteStyle: style }), outcome: outcome.kind === 'refused' ? 'refused' : 'ok' }, record: rec };
}

function notFound(id: string): Reply {
  return notice('No such request', `There is no request ${id}.`, { hint: 'Type "pending" to see the open requests.', style: 'warning', outcome: 'not-found' });
}

/** Who may see any request of a configuration (refresh, pending): those who may ask, approve, or read its sync. */
const REQUEST_READERS: readonly Permission[] = ['scope.request', 'scope.approve', 'sync.read'];

/** The card buttons and the form. Every click is answered with a card; state is read from storage, never from the card. */
export function registerApprovalRoutes(app: Application, deps: ApprovalRouteDeps): void {
  const { approvals, gate, clock, logger, configs } = deps;

  const answer = async (context: TurnContext, reply: Reply): Promise<AdaptiveCard> => {
    const shown = 'card' in reply ? reply : notice('CTS Ops', reply.text);
    const card = 'card' in shown ? shown.card : ({ type: 'AdaptiveCard' } as AdaptiveCard);
    // Answer the invoke ourselves: teams-ai would otherwise replace the card for everyone when it has a refresh block,
    // showing one viewer's buttons to all; every copy's shared view is updated by the outbox instead.
    await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card } } });
    return card;
  };

  const onButton = async (context: TurnContext, verb: ButtonVerb, raw: unknown): Promise<Reply> => {
    const g = await gate.check(context, undefined, { fresh: false });
    if (!g.ok) return g.reply;
    const caller = g.caller;
    const parsed = ButtonData.safeParse(raw);
    if (!parsed.success || (parsed.data.verb && parsed.data.verb !== verb)) {
      logger.warn({ verb, problems: parsed.success ? ['verb mismatch'] : parsed.error.issues.map((i) => i.path.join('.')) }, 'approval button data rejected');
      return notice('This card could not be read', 'Its data was changed or damaged, so nothing was done.', { hint: 'Type "pending" for a fresh card.', style: 'warning', outcome: 'invalid' });
    }
    const data = parsed.data;
    const rec = await approvals.get(data.requestId);
    if (!rec) return notFound(data.requestId);
    const viewer = await viewerFor(approvals, caller, rec.request.configuration);
    const view = (note?: string, noteStyle: 'good' | 'warning' | 'error' = 'warning'): Reply => requestReply(rec, { now: clock.now(), route: routeOf(configs, rec), viewer, note, noteStyle });
    if (verb === 'approval.refresh') {
      // A refresh shows the whole request (who asked, whom, why): only to its requester and to those who may see
      // requests for that configuration (as "pending" does), never to anyone who merely knows an id.
      const mayView = rec.request.requester.aadObjectId === caller.aadObjectId || viewer.permissions.some((p) => REQUEST_READERS.includes(p));
      if (!mayView) {
        return notice('Not allowed', `You may not see request ${rec.request.id}.`, { hint: `Seeing a request needs one of: ${REQUEST_READERS.join(', ')}.`, style: 'error', outcome: 'refused' });
      }
      return view();
    }
    if (data.cardVersion !== rec.request.cardVersion) {
      return { ...view(`This card was out of date (the request is now "${rec.request.status}"), so your click did nothing. Here it is as it stands now.`), outcome: 'invalid' };
    }
    if (verb === 'approval.provision') return provisionNow(context, rec, caller, view);
    const decision = verb === 'approval.approve' ? 'approve' : verb === 'approval.reject' ? 'reject' : 'cancel';
    return (await decideAndRender(deps, caller, rec.request.id, decision, data.reason)).reply;
  };

  const provisionNow = async (context: TurnContext, rec: StoredApproval, caller: Caller, view: (note?: string, style?: 'good' | 'warning' | 'error') => Reply): Promise<Reply> => {
    const config = configs.find(rec.request.configuration);
    if (!deps.provisioning || !config) return view('Provisioning on demand is not available here.');
    const g = await gate.check(context, 'sync.operate', { fresh: true, configuration: config.name });
    if (!g.ok) return g.reply;
    const by = { aadObjectId: caller.aadObjectId, name: caller.name };
    if (!(await approvals.claimProvisioning(rec.request.id, by))) return view('There is nothing to provision for this request.');
    const provisioning = deps.provisioning;
    const ids = rec.request.principals.slice(0, 5).map((p) => p.id);
    // The clicked card may be a copy the request does not know (a reply to a typed command, a "pending" Details view):
    // record it, so the outcome lands on it too instead of "Provisioning…" for ever.
    const clicked = context.activity.replyToId;
    const here = targetOf(context.activity);
    if (clicked && here) {
      const role = caller.aadObjectId === rec.request.requester.aadObjectId ? 'requester' : 'approvers';
      await deps.outbox.publish(approvalSubject(rec.request.id), 1, [{ role, target: here, activityId: clicked }]).catch(() => undefined);
    }
    approvals.runInBackground(
      (async () => {
        const report = await provisioning.prepare(config, ids);
        const done = await provisioning.run(config, report, { aadObjectId: caller.aadObjectId, name: caller.name }, () => undefined);
        // Each user's own outcome, as the audit records it: "skipped" is not "provisioned".
        const perUser = done.items.map((i) => `${i.user?.userPrincipalName ?? i.input}: ${provisionOutcome(i)}${i.error ? ` (${i.error})` : ''}`).join('; ');
        await approvals.noteProvisioned(rec.request.id, { aadObjectId: caller.aadObjectId, name: caller.name }, `${provisionSummary(done.items)}. ${perUser}${rec.request.principals.length > 5 ? '. Only the first 5 were sent; the sync cycle does the rest' : ''}.`);
      })(),
    );
    return view(`Provisioning ${ids.length} user(s) on demand now; this card updates when it is done.`, 'good');
  };

  for (const verb of APPROVAL_VERBS) {
    app.adaptiveCards.actionExecute(verb, async (context, _state, raw) => {
      let reply: Reply;
      try {
        reply = await onButton(context, verb, raw);
      } catch (err) {
        logger.error({ err, verb }, 'approval button failed');
        reply = notice('Something went wrong', 'I could not finish that. The error is logged; nothing was changed twice — please look at the card again in a moment.', { style: 'error', outcome: 'failed' });
      }
      noteTurn(context, { command: verb, outcome: reply.outcome ?? 'ok' });
      return answer(context, reply);
    });
  }

  // "Open requests" on a personal view: back to the list that its Details button replaced.
  app.adaptiveCards.actionExecute('approval.list', async (context) => {
    let reply: Reply;
    try {
      const g = await gate.check(context, undefined, { fresh: false });
      if (!g.ok) reply = g.reply;
      else {
        const records = await approvals.pending();
        reply = pendingCard(records, await viewerFor(approvals, g.caller, records[0]?.request.configuration), clock.now());
      }
    } catch (err) {
      logger.error({ err }, 'approval list failed');
      reply = notice('Something went wrong', 'I could not read the open requests. Type "pending" in a moment.', { style: 'error', outcome: 'failed' });
    }
    noteTurn(context, { command: 'approval.list', outcome: reply.outcome ?? 'ok' });
    return answer(context, reply);
  });

  app.adaptiveCards.actionExecute('approval.submit', async (context, _state, raw) => {
    let reply: Reply;
    try {
      reply = await onSubmit(context, raw);
    } catch (err) {
      logger.error({ err }, 'request form failed');
      reply = notice('Something went wrong', 'I could not finish that. The error is logged; nothing was requested.', { style: 'error', outcome: 'failed' });
    }
    return answer(context, reply);
  });

  const onSubmit = async (context: TurnContext, raw: unknown): Promise<Reply> => {
    const parsed = FormData.safeParse(raw);
    if (!parsed.success) return requestFormCard(configs.names(), {}, 'The form came back in a shape I do not understand; please fill it in again.');
    const f = parsed.data;
    const values = { configuration: f.configuration, op: f.op, principalType: f.principalType, principals: f.principals, reason: f.reason };
    const config = configs.resolve(f.configuration?.trim() || undefined);
    if (!config.ok) return requestFormCard(configs.names(), values, `${config.problem} ${config.hint}`);
    const g = await gate.check(context, 'scope.request', { fresh: true, configuration: config.config.name });
    if (!g.ok) return g.reply;
    const principals = [...new Map((f.principals ?? '').split(/[,;\n]+/).map((s) => s.trim()).filter(Boolean).map((s) => [s.toLowerCase(), s])).values()];
    if (!principals.length) return requestFormCard(configs.names(), values, 'Say who: user principal names, or a group name or id.');
    if (principals.length > MAX_REQUEST_PRINCIPALS) return requestFormCard(configs.names(), values, `At most ${MAX_REQUEST_PRINCIPALS} per request; you gave ${principals.length}.`);
    if (!f.reason?.trim()) return requestFormCard(configs.names(), values, 'A reason is required: say why the change is needed.');
    const origin = targetOf(context.activity);
    const outcome = await approvals.create({
      configuration: config.config.name,
      op: f.op ?? 'add',
      principalType: f.principalType ?? 'user',
      principals,
      reason: f.reason,
      requester: g.caller,
      ...(origin ? { origin } : {}),
    });
    if (!outcome.ok) {
      const problem = problemReply(outcome.problem);
      const text = `${outcome.problem.title}: ${outcome.problem.lines.join(' ')}`;
      return { ...requestFormCard(configs.names(), values, text), outcome: problem.outcome };
    }
    // The form's own message becomes the requester's status card.
    return announce(deps, context, outcome.record, origin, context.activity.replyToId);
  };
}

