import { createHash } from 'node:crypto';
import { ActivityTypes, type Activity, type TurnContext } from 'botbuilder';
import type { Storage } from 'botbuilder-core';
import type { Clock } from '../domain/clock';
import { updateWithCasDetailed } from '../store';
import { notice } from './reply';
import { noteTurn } from './turnLog';

/** How long an activity id is remembered: Teams and the Bot Connector redeliver within seconds to minutes. */
export const DEDUPE_WINDOW_MS = 15 * 60_000;

interface Seen {
  at: number;
}

/**
 * The same inbound activity delivered twice (a Bot Connector retry after a slow answer, a replay) runs once. The
 * first delivery claims the activity id in the shared store by CAS, so a retry that reaches another instance, or this
 * one after a restart, is recognised too. Records are small and keyed by a hash; they are not cleaned up.
 */
export class InboundDedupe {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly windowMs = DEDUPE_WINDOW_MS,
  ) {}

  /** True when this delivery is the first within the window (run it); false for a repeat (answer, run nothing). */
  async claim(activity: Partial<Activity>): Promise<boolean> {
    if (!activity.id) return true;
    const identity = [activity.channelId ?? '', activity.conversation?.id ?? '', activity.type ?? '', activity.id].join('\n');
    const key = `inbound/${createHash('sha256').update(identity).digest('hex')}`;
    const now = this.clock.now();
    const r = await updateWithCasDetailed<Seen>(this.storage, key, (seen) => (seen && now - seen.at < this.windowMs ? 'abort' : { at: now }));
    return r.outcome === 'committed';
  }
}

/** The answer to a repeat: nothing for a message (its reply was sent the first time); for a card click, a short card. */
export async function answerRepeat(context: TurnContext): Promise<void> {
  noteTurn(context, { command: 'repeat', outcome: 'ok' });
  if (context.activity.type !== 'invoke' || context.activity.name !== 'adaptiveCard/action') return;
  const reply = notice('Already handled', 'This click reached me twice; I acted on it once.', { hint: 'Refresh the card to see where things stand.' });
  const card = 'card' in reply ? reply.card : undefined;
  await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card } } });
}
