import { MessageFactory } from 'botbuilder';
import type { Activity } from 'botbuilder';
import { cardAttachment, renderCard, type AdaptiveCard } from './cards';

/** What a command answers: a card (with a one-line summary for notifications and logs) or plain text. */
export type Reply = ({ card: AdaptiveCard; summary: string } | { text: string }) & {
  outcome?: Outcome;
  /** Work that goes on after the reply is sent; `update` replaces the sent card (e.g. progress). */
  followUp?: (update: (reply: Reply) => Promise<void>) => Promise<void>;
};

/** How a turn ended, for the one log line per turn. */
export type Outcome = 'ok' | 'refused' | 'invalid' | 'not-found' | 'failed';

export function notice(
  title: string,
  text: string,
  options: { hint?: string; style?: 'error' | 'warning' | 'good' | 'default'; outcome?: Outcome } = {},
): Reply {
  return {
    // Bounded, so no echo of long input can push a notice past Teams' card size (that would answer "internal error").
    card: renderCard('notice', { title: clip(title, 200), text: clip(text, 4000), hint: clip(options.hint ?? '', 2000), style: options.style ?? 'default' }),
    summary: clip(`${title}: ${text}`, 500),
    outcome: options.outcome ?? (options.style === 'error' ? 'failed' : 'ok'),
  };
}

export function toActivity(reply: Reply): Partial<Activity> {
  if ('text' in reply) return MessageFactory.text(reply.text);
  const activity = MessageFactory.attachment(cardAttachment(reply.card));
  activity.summary = reply.summary;
  return activity;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
