import { ActivityTypes, type Activity, type TurnContext } from 'botbuilder';
import { parseCommand } from '../domain/commands';
import { notice } from './reply';
import { noteTurn } from './turnLog';

/**
 * The answer to a repeat (the claim itself, a CAS in the shared store, is services/inboundDedupe.ts): nothing for a
 * message (its reply was sent the first time); for a card click, a short card.
 */
export async function answerRepeat(context: TurnContext): Promise<void> {
  noteTurn(context, { command: 'repeat', outcome: 'ok' });
  if (context.activity.type !== 'invoke' || context.activity.name !== 'adaptiveCard/action') return;
  const reply = notice('Already handled', 'This click reached me twice; I acted on it once.', { hint: 'Refresh the card to see where things stand.' });
  const card = 'card' in reply ? reply.card : undefined;
  await context.sendActivity({
    type: ActivityTypes.InvokeResponse,
    value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card } },
  });
}

/** Commands that only read: answering a repeat of one again changes nothing. */
const READ_ONLY = new Set(['help', 'whoami', 'status', 'pending', 'subscriptions']);

/**
 * Whether a repeat of this activity must be recognised across instances and restarts (a durable claim): everything but
 * a typed command that only reads. Decided on the text as it arrives; what cannot be read as such a command is durable.
 */
export function needsDurableClaim(activity: Partial<Activity>): boolean {
  if (activity.type !== ActivityTypes.Message || typeof activity.text !== 'string' || activity.value !== undefined) return true;
  if (activity.attachments?.length) return true;
  return !READ_ONLY.has(parseCommand(activity.text).kind);
}
