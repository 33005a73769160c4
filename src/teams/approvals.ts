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
import type { ApprovalAudience, ApprovalsService, CardCopy, StoredApproval } from '../services/approvals';
import type { Configurations } from '../services/configurations';
import type { ConversationTarget, Notifier } from '../services/ports';
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
  notifier: Notifier;
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

export class ApprovalCardSync {
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly deps: ApprovalRouteDeps) {}

  /** The card for one copy: the requester's own chat shows their view; shared places show the base view. */
  async cardFor(rec: StoredApproval, copy?: Pick<CardCopy, 'role' | 'target'>): Promise<{ card: AdaptiveCard; summary: string }> {
    const now = this.deps.clock.now();
    const route = this.route(rec);
    if (copy?.role === 'requester' && copy.target.kind === 'personal') {
      return requestReply(rec, { now, route, viewer: { aadObjectId: rec.request.requester.aadObjectId, permissions: ['scope.request'] } }) as { card: AdaptiveCard; summary: string };
    }
    return requestReply(rec, { now, route, refreshUserIds: await this.deps.approvals.refreshUserIds(rec) }) as { card: AdaptiveCard; summary: string };
  }

  route(rec: StoredApproval): string | undefined {
    const config = this.deps.configs.find(rec.request.configuration);
    return config ? this.deps.configs.route(config) : undefined;
  }

  /** Updates every copy to the latest stored state. Serialized per request so an older state never lands last. */
  sync(id: string): Promise<void> {
    const prev = this.chains.get(id) ?? Promise.resolve();
    const next = prev.then(() => this.syncNow(id)).catch((err) => this.deps.logger.warn({ err, id }, 'approval card update failed'));
    this.chains.set(id, next);
    void next.finally(() => {
      if (this.chains.get(id) === next) this.chains.delete(id);
    });
    return next;
  }

  private async syncNow(id: string): Promise<void> {
    const rec = await this.deps.approvals.get(id);
    if (!rec) return;
    await Promise.all(
      rec.copies.map(async (copy) => {
        const result = await this.deps.notifier.update(copy.target, copy.activityId, await this.cardFor(rec, copy));
        if (!result.ok) this.deps.logger.warn({ id, target: copy.target.key, status: result.status }, 'could not update an approval card copy');
      }),
    );
  }

  /** Posts a card and records it as a copy; if the request moved on meanwhile, brings the copy up to date. */
  async post(rec: StoredApproval, target: ConversationTarget, role: CardCopy['role']): Promise<boolean> {
    const sent = await this.deps.notifier.post(target, await this.cardFor(rec, { role, target }));
    if (!sent.ok) {
      this.deps.logger.warn({ id: rec.request.id, target: target.key, status: sent.status }, 'could not post an approval card');
      return false;
    }
    await this.record(rec, { role, target, activityId: sent.activityId });
    return true;
  }

  async record(rec: StoredApproval, copy: CardCopy): Promise<void> {
    const now = await this.deps.approvals.recordCopy(rec.request.id, copy);
    if (now && now.request.cardVersion !== rec.request.cardVersion) await this.sync(rec.request.id);
  }
}

interface ApprovalTeams {
  sync: ApprovalCardSync;
  handlers: CommandHandlers;
  announce: (context: TurnContext, rec: StoredApproval, origin: ConversationTarget | undefined, answeredInPlace?: string) => Promise<Reply>;
}

// approvalHandlers and registerApprovalRoutes are called separately by the composition root with the same deps object;
// both must share one card synchroniser.
const instances = new WeakMap<ApprovalRouteDeps, ApprovalTeams>();

function teamsFor(deps: ApprovalRouteDeps): ApprovalTeams {
  let t = instances.get(deps);
  if (!t) {
    t = build(deps);
    instances.set(deps, t);
  }
  return t;
}

/** Text commands. The router has checked the command's permission (scope.request / scope.approve). */
export function approvalHandlers(deps: ApprovalRouteDeps): CommandHandlers {
  return teamsFor(deps).handlers;
}

function build(deps: ApprovalRouteDeps): ApprovalTeams {
  const { approvals, configs, clock } = deps;
  const sync = new ApprovalCardSync(deps);

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
    return announce(turn.context, outcome.record, origin);
  };

  /** Sends the approval cards and answers the requester with a status card that is itself a recorded copy. */
  const announce = async (context: TurnContext, rec: StoredApproval, origin: ConversationTarget | undefined, answeredInPlace?: string): Promise<Reply> => {
    const all = await deps.audience.targetsFor('approvals', rec.request.configuration);
    const targets = all.filter((t) => t.key !== origin?.key);
    const places = targets.length + (all.length > targets.length ? 1 : 0);
    const personal = await deps.audience.personalTargetOf(rec.request.requester.aadObjectId);
    approvals.runInBackground(
      (async () => {
        await Promise.all(targets.map((t) => sync.post(rec, t, 'approvers')));
        if (personal && personal.key !== origin?.key) await sync.post(rec, personal, 'requester');
      })(),
    );
    const note = places
      ? `Sent to approvers in ${places} place${places === 1 ? '' : 's'}. You will see the decision here.`
      : `No chat or channel is subscribed to approvals for ${rec.request.configuration}, so approvers will only see this with "pending". Someone with alerts.manage can type "subscribe approvals ${rec.request.configuration}" where approvers work.`;
    const view =
      origin?.kind === 'personal'
        ? { viewer: { aadObjectId: rec.request.requester.aadObjectId, permissions: ['scope.request' as const] } }
        : { refreshUserIds: await approvals.refreshUserIds(rec) };
    const reply = requestReply(rec, { now: clock.now(), route: sync.route(rec), note, noteStyle: places ? 'good' : 'warning', ...view });
    if (origin) {
      if (answeredInPlace) await sync.record(rec, { role: 'requester', target: origin, activityId: answeredInPlace });
      else captureReply(context, (activityId) => sync.record(rec, { role: 'requester', target: origin, activityId }));
    }
    return reply;
  };

  const requestForm: CommandHandler<'requestForm'> = async () => requestFormCard(configs.names());

  const pending: CommandHandler<'pending'> = async (turn) => {
    const records = await approvals.pending();
    const viewer = await viewerFor(approvals, turn.caller, records[0]?.request.configuration);
    return pendingCard(records, viewer, clock.now());
  };

  const decideByText = async (turn: { caller: Caller; context: TurnContext }, id: string, verb: 'approve' | 'reject' | 'cancel', reason?: string): Promise<Reply> => {
    const result = await decideAndRender(deps, sync, turn.caller, id, verb, reason);
    const rec = result.record;
    const origin = targetOf(turn.context.activity);
    if (rec && origin && !rec.copies.some((c) => c.target.key === origin.key)) {
      const role = turn.caller.aadObjectId === rec.request.requester.aadObjectId ? 'requester' : 'approvers';
      captureReply(turn.context, (activityId) => sync.record(rec, { role, target: origin, activityId }));
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
  return { sync, handlers, announce };
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
  sync: ApprovalCardSync,
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
  return { reply: { ...requestReply(rec, { now: clock.now(), route: sync.route(rec), viewer, note, noteStyle: style }), outcome: outcome.kind === 'refused' ? 'refused' : 'ok' }, record: rec };
}

function notFound(id: string): Reply {
  return notice('No such request', `There is no request ${id}.`, { hint: 'Type "pending" to see the open requests.', style: 'warning', outcome: 'not-found' });
}

/** Who may see any request of a configuration (refresh, pending): those who may ask, approve, or read its sync. */
const REQUEST_READERS: readonly Permission[] = ['scope.request', 'scope.approve', 'sync.read'];

/** The card buttons and the form. Every click is answered with a card; state is read from storage, never from the card. */
export function registerApprovalRoutes(app: Application, deps: ApprovalRouteDeps): ApprovalCardSync {
  const { approvals, gate, clock, logger, configs } = deps;
  const { sync, announce } = teamsFor(deps);
  approvals.onChange((rec) => sync.sync(rec.request.id));

  const answer = async (context: TurnContext, reply: Reply): Promise<AdaptiveCard> => {
    const shown = 'card' in reply ? reply : notice('CTS Ops', reply.text);
    const card = 'card' in shown ? shown.card : ({ type: 'AdaptiveCard' } as AdaptiveCard);
    // Answer the invoke ourselves: teams-ai would otherwise replace the card for everyone when it has a refresh block,
    // showing one viewer's buttons to all; every copy's shared view is updated by ApprovalCardSync instead.
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
    const view = (note?: string, noteStyle: 'good' | 'warning' | 'error' = 'warning'): Reply => requestReply(rec, { now: clock.now(), route: sync.route(rec), viewer, note, noteStyle });
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
    return (await decideAndRender(deps, sync, caller, rec.request.id, decision, data.reason)).reply;
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
    if (clicked && here && !rec.copies.some((c) => c.activityId === clicked)) {
      await sync.record(rec, { role: caller.aadObjectId === rec.request.requester.aadObjectId ? 'requester' : 'approvers', target: here, activityId: clicked }).catch(() => undefined);
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
    return announce(context, outcome.record, origin, context.activity.replyToId);
  };

  return sync;
}

