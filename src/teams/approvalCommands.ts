/** The approval text commands: request, requestForm, pending, approve, reject, cancel. */
import type { TurnContext } from 'botbuilder';
import { targetOf } from './alerts';
import type { CommandHandler, CommandHandlers } from './app';
import { pendingCard, problemReply, requestFormCard } from './approvalCards';
import { announce, captureReply, decideAndRender, remember, shownVersion, viewerFor, type ApprovalRouteDeps } from './approvalReplies';
import type { Caller } from './identity';
import type { Reply } from './reply';

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

  const requestForm: CommandHandler<'requestForm'> = () => Promise.resolve(requestFormCard(configs.names()));

  const pending: CommandHandler<'pending'> = async (turn) => {
    const records = await approvals.pending();
    const viewer = await viewerFor(approvals, turn.caller, records[0]?.request.configuration);
    return pendingCard(records, viewer, clock.now());
  };

  const decideByText = async (
    turn: { caller: Caller; context: TurnContext },
    id: string,
    verb: 'approve' | 'reject' | 'cancel',
    reason?: string,
  ): Promise<Reply> => {
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
