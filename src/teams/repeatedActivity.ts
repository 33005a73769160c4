import { ActivityTypes, type TurnContext } from 'botbuilder';
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
  await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card } } });
}
