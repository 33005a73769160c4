/**
 * Teams side of scope-change approvals: the card buttons (Action.Execute verbs approval.*) and the routes for them and
 * the request form. The text commands live in approvalCommands, the form's submit in approvalForm, the shared replies
 * and card copies in approvalReplies. Routes parse, call ScopeRequestService, and render.
 *
 * Card copies: the approval card is posted to every conversation subscribed to approvals for the configuration, and
 * the requester gets a status card (the reply where they asked, plus their personal chat when the bot has one). Each
 * posted card is recorded on the request; after every transition every copy is updated in place, always from the
 * latest stored state.
 */
import type { Application } from '@microsoft/teams-ai';
import { ActivityTypes, type TurnContext } from 'botbuilder';
import { z } from 'zod';
import { approvalSubject, type StoredScopeRequest } from '../services/scopeRequests';
import { targetOf } from './alerts';
import type { Permission } from '../domain/permissions';
import { pendingCard, requestReply, type Viewer } from './approvalCards';
import { submitRequestForm } from './approvalForm';
import { decideAndRender, notFound, routeOf, viewerFor, type ApprovalRouteDeps } from './approvalReplies';
import { provisionOutcome, provisionSummary } from './operationCards';
import type { AdaptiveCard } from './cards';
import type { Caller } from './identity';
import { noteTurn } from './turnLog';
import { notice, type Reply } from './reply';

export { approvalHandlers } from './approvalCommands';
export { approvalCardRenderer, type ApprovalRouteDeps } from './approvalReplies';

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
    await context.sendActivity({
      type: ActivityTypes.InvokeResponse,
      value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card } },
    });
    return card;
  };

  const onButton = async (context: TurnContext, verb: ButtonVerb, raw: unknown): Promise<Reply> => {
    const g = await gate.check(context, undefined, { fresh: false });
    if (!g.ok) return g.reply;
    const caller = g.caller;
    const parsed = ButtonData.safeParse(raw);
    if (!parsed.success || (parsed.data.verb && parsed.data.verb !== verb)) {
      logger.warn({ verb, problems: parsed.success ? ['verb mismatch'] : parsed.error.issues.map((i) => i.path.join('.')) }, 'approval button data rejected');
      return notice('This card could not be read', 'Its data was changed or damaged, so nothing was done.', {
        hint: 'Type "pending" for a fresh card.',
        style: 'warning',
        outcome: 'invalid',
      });
    }
    const data = parsed.data;
    // Read once: the decision below starts its CAS from this read, and roles are resolved only where they are used.
    const loaded = await approvals.load(data.requestId);
    if (!loaded) return notFound(data.requestId);
    const rec = loaded.record;
    const view = async (note?: string, noteStyle: 'good' | 'warning' | 'error' = 'warning', known?: Viewer): Promise<Reply> =>
      requestReply(rec, {
        now: clock.now(),
        route: routeOf(configs, rec),
        viewer: known ?? (await viewerFor(approvals, caller, rec.request.configuration)),
        note,
        noteStyle,
      });
    if (verb === 'approval.refresh') {
      // A refresh shows the whole request (who asked, whom, why): only to its requester and to those who may see
      // requests for that configuration (as "pending" does), never to anyone who merely knows an id.
      const viewer = await viewerFor(approvals, caller, rec.request.configuration);
      const mayView = rec.request.requester.aadObjectId === caller.aadObjectId || viewer.permissions.some((p) => REQUEST_READERS.includes(p));
      if (!mayView) {
        return notice('Not allowed', `You may not see request ${rec.request.id}.`, {
          hint: `Seeing a request needs one of: ${REQUEST_READERS.join(', ')}.`,
          style: 'error',
          outcome: 'refused',
        });
      }
      return view(undefined, undefined, viewer);
    }
    if (data.cardVersion !== rec.request.cardVersion) {
      return {
        ...(await view(`This card was out of date (the request is now "${rec.request.status}"), so your click did nothing. Here it is as it stands now.`)),
        outcome: 'invalid',
      };
    }
    if (verb === 'approval.provision') return provisionNow(context, rec, caller, view);
    const decision = verb === 'approval.approve' ? 'approve' : verb === 'approval.reject' ? 'reject' : 'cancel';
    return (await decideAndRender(deps, caller, rec.request.id, decision, data.reason, loaded)).reply;
  };

  const provisionNow = async (
    context: TurnContext,
    rec: StoredScopeRequest,
    caller: Caller,
    view: (note?: string, style?: 'good' | 'warning' | 'error') => Promise<Reply>,
  ): Promise<Reply> => {
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
        await approvals.noteProvisioned(
          rec.request.id,
          { aadObjectId: caller.aadObjectId, name: caller.name },
          `${provisionSummary(done.items)}. ${perUser}${rec.request.principals.length > 5 ? '. Only the first 5 were sent; the sync cycle does the rest' : ''}.`,
        );
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
        reply = notice(
          'Something went wrong',
          'I could not finish that. The error is logged; nothing was changed twice — please look at the card again in a moment.',
          { style: 'error', outcome: 'failed' },
        );
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
      reply = await submitRequestForm(deps, context, raw);
    } catch (err) {
      logger.error({ err }, 'request form failed');
      reply = notice('Something went wrong', 'I could not finish that. The error is logged; nothing was requested.', { style: 'error', outcome: 'failed' });
    }
    return answer(context, reply);
  });
}
