/**
 * What the approval routes answer with, shared by the text commands, the buttons and the form: one decision rendered
 * as a card (within a time limit), and the card copies the outbox keeps current (the approval cards sent to
 * approvers, and a command's reply recorded as a copy).
 */
import { ActivityTypes, type Activity, type ResourceResponse, type TurnContext } from 'botbuilder';
import type { Clock } from '../domain/clock';
import type { Logger } from '../logger';
import {
  approvalSubject,
  type ApprovalAudience,
  type ScopeRequestService,
  type CopyRole,
  type LoadedScopeRequest,
  type StoredScopeRequest,
} from '../services/scopeRequests';
import type { Configurations } from '../services/configurations';
import type { Outbox } from '../services/outbox';
import type { CardRenderer, ConversationRef, OutgoingCard } from '../services/ports';
import type { ProvisioningService } from '../services/provisioning';
import { requestReply, type Viewer } from './approvalCards';
import type { Gate } from './gate';
import type { Caller } from './identity';
import { notice, type Reply } from './reply';

export interface ApprovalRouteDeps {
  approvals: ScopeRequestService;
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

const timeout = (ms: number) => new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref?.());

export const routeOf = (configs: Configurations, rec: StoredScopeRequest): string | undefined => {
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
        : { refreshUserIds: await deps.approvals.audienceOf(rec) };
    return requestReply(rec, { now, route, ...view }) as OutgoingCard;
  };
}

/** Records a card that is already in a conversation (a command's reply) as a copy the outbox keeps current. */
export async function remember(
  deps: ApprovalRouteDeps,
  rec: StoredScopeRequest,
  copy: { role: CopyRole; target: ConversationRef; activityId: string },
  versionShown = 0,
): Promise<void> {
  const subject = approvalSubject(rec.request.id);
  await deps.outbox.publish(subject, 1, [{ ...copy, versionShown }]);
  await deps.outbox.flush(subject);
}

/** The outbox version a card rendered now shows (a change after this read makes the copy due again). */
export async function shownVersion(deps: ApprovalRouteDeps, rec: StoredScopeRequest): Promise<number> {
  return (await deps.outbox.read(approvalSubject(rec.request.id)))?.version ?? 1;
}

/** Sends the approval cards through the outbox and answers the requester with a status card that is itself a copy. */
export async function announce(
  deps: ApprovalRouteDeps,
  context: TurnContext,
  rec: StoredScopeRequest,
  origin: ConversationRef | undefined,
  answeredInPlace?: string,
): Promise<Reply> {
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
      : { refreshUserIds: await approvals.audienceOf(rec) };
  const reply = requestReply(rec, { now: clock.now(), route: routeOf(deps.configs, rec), note, noteStyle: places ? 'good' : 'warning', ...view });
  if (origin) {
    if (answeredInPlace) await remember(deps, rec, { role: 'requester', target: origin, activityId: answeredInPlace }, 1);
    else captureReply(context, (activityId) => remember(deps, rec, { role: 'requester', target: origin, activityId }, 1));
  }
  return reply;
}

/** Runs `onId` with the id Teams gives the next message this turn sends (the command's reply card). */
export function captureReply(context: TurnContext, onId: (activityId: string) => Promise<void>): void {
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

export async function viewerFor(approvals: ScopeRequestService, caller: Caller, configuration: string | undefined): Promise<Viewer> {
  const permissions = configuration ? await approvals.permissionsFor(caller, configuration, false).catch(() => []) : [];
  if (permissions.includes('scope.approve')) void approvals.noteApprover(caller.aadObjectId).catch(() => undefined);
  return { aadObjectId: caller.aadObjectId, permissions };
}

/**
 * One decision, from a button or a text command; answers within `answerWithinMs` even when Graph is slow. `loaded`: the
 * request as this turn already read it (a button), so the decision does not read it again.
 */
export async function decideAndRender(
  deps: ApprovalRouteDeps,
  caller: Caller,
  id: string,
  verb: 'approve' | 'reject' | 'cancel',
  reason?: string,
  loaded?: LoadedScopeRequest,
): Promise<{ reply: Reply; record?: StoredScopeRequest }> {
  const { approvals, clock } = deps;
  const outcome = await approvals.act(id, verb, caller, { reason, loaded });
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
  // The roles the decision resolved afresh: this turn resolves them once.
  const viewer = { aadObjectId: caller.aadObjectId, permissions: outcome.permissions };
  return {
    reply: {
      ...requestReply(rec, { now: clock.now(), route: routeOf(deps.configs, rec), viewer, note, noteStyle: style }),
      outcome: outcome.kind === 'refused' ? 'refused' : 'ok',
    },
    record: rec,
  };
}

export function notFound(id: string): Reply {
  return notice('No such request', `There is no request ${id}.`, { hint: 'Type "pending" to see the open requests.', style: 'warning', outcome: 'not-found' });
}
