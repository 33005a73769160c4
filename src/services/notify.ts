import { z } from 'zod';

/**
 * Ports for proactive messages, shared by alerts and approvals. Services depend on these interfaces only; the Teams
 * implementation (src/teams) sends through the adapter's continueConversationAsync with a rate-limited queue.
 * Conversation references are kept as opaque JSON here so services never import botbuilder.
 */

export type ConversationKind = 'personal' | 'groupChat' | 'channel';

/** A conversation the bot can post into: where it was installed or where someone talked to it. */
export interface ConversationTarget {
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

export interface Notifier {
  post(target: ConversationTarget, message: OutgoingCard): Promise<SendResult>;
  update(target: ConversationTarget, activityId: string, message: OutgoingCard): Promise<SendResult>;
}

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
