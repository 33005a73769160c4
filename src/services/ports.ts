import { z } from 'zod';

/**
 * The ports services talk through: storage (re-exported from src/store), a card sender, card renderers and a
 * conversation reference of our own. src/teams implements the sender (TeamsNotifier: rate limits, Retry-After) and
 * the renderers; services never see a Teams or Bot Framework type. Conversation references are opaque JSON here.
 */
export type { Storage } from '../store';

export type ConversationKind = 'personal' | 'groupChat' | 'channel';

/** A conversation the bot can post into: where it was installed or where someone talked to it. */
export interface ConversationRef {
  /** Stable key: the conversation id (for a channel, the channel's conversation id without ;messageid=). */
  key: string;
  kind: ConversationKind;
  /** Teams' name for it, when known (team/channel name, chat topic), for `subscriptions` and audits. */
  name?: string;
  /** botbuilder ConversationReference as plain JSON (serviceUrl, conversation, bot, channelId, tenant). */
  reference: Record<string, unknown>;
  /** The user, for a personal conversation. */
  userAadObjectId?: string;
}

/** The older name of ConversationRef. */
export type ConversationTarget = ConversationRef;

/** Stored targets are read back through this schema (they come from storage, so they are checked). */
export const ConversationTargetSchema = z.object({
  key: z.string().min(1),
  kind: z.enum(['personal', 'groupChat', 'channel']),
  name: z.string().optional(),
  reference: z.record(z.unknown()),
  userAadObjectId: z.string().optional(),
});

export interface OutgoingCard {
  /** Adaptive Card JSON (already rendered). */
  card: Record<string, unknown>;
  /** One line for notifications and screen readers. */
  summary: string;
}

export type SendResult =
  | { ok: true; activityId: string }
  /** 403/404 from the connector: the bot was removed or the conversation is gone. Never retried. */
  | { ok: false; gone: true; status: number; code?: string }
  /** Retries exhausted on 429/5xx: the caller keeps the work and tries again later; nothing is lost. */
  | { ok: false; gone: false; status: number; code?: string };

/** Posts a card into a conversation, or replaces one it posted earlier. */
export interface CardSender {
  post(target: ConversationRef, message: OutgoingCard): Promise<SendResult>;
  update(target: ConversationRef, activityId: string, message: OutgoingCard): Promise<SendResult>;
}
/** The older name of CardSender. */
export type Notifier = CardSender;

/**
 * Renders the CURRENT state of one outbox subject for one copy (the copy's role decides the view: e.g. the
 * requester's own chat vs a shared place). Undefined: the subject is gone, nothing is sent.
 */
export type CardRenderer = (subjectId: string, copy: { role: string; target: ConversationRef }) => Promise<OutgoingCard | undefined>;

export type SubscriptionTopic = 'alerts' | 'approvals';

export interface Subscription {
  targetKey: string;
  topic: SubscriptionTopic;
  /** A configuration name, or 'all'. */
  configuration: string;
  by: { aadObjectId: string; name: string };
  at: string;
  active: boolean;
  deactivatedReason?: string;
}
