/** The request form's submit (verb approval.submit): read the form, check it, and file the request. */
import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import { checkRequestForm } from '../domain/commands';
import { targetOf } from './alerts';
import { problemReply, requestFormCard } from './approvalCards';
import { announce, type ApprovalRouteDeps } from './approvalReplies';
import type { Reply } from './reply';

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

/** Answers with the form again, saying what was wrong, until it is right; then with the requester's status card. */
export async function submitRequestForm(deps: ApprovalRouteDeps, context: TurnContext, raw: unknown): Promise<Reply> {
  const { approvals, configs, gate } = deps;
  const parsed = FormData.safeParse(raw);
  if (!parsed.success) return requestFormCard(configs.names(), {}, 'The form came back in a shape I do not understand; please fill it in again.');
  const f = parsed.data;
  const values = { configuration: f.configuration, op: f.op, principalType: f.principalType, principals: f.principals, reason: f.reason };
  const config = configs.resolve(f.configuration?.trim() || undefined);
  if (!config.ok) return requestFormCard(configs.names(), values, `${config.problem} ${config.hint}`);
  const g = await gate.check(context, 'scope.request', { fresh: true, configuration: config.config.name });
  if (!g.ok) return g.reply;
  const checked = checkRequestForm(f);
  if (!checked.ok) return requestFormCard(configs.names(), values, checked.problem);
  const { principals, reason } = checked;
  const origin = targetOf(context.activity);
  const outcome = await approvals.create({
    configuration: config.config.name,
    op: f.op ?? 'add',
    principalType: f.principalType ?? 'user',
    principals,
    reason,
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
}
