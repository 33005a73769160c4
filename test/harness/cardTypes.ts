/**
 * Types for what the bot sends and what tests read back: the JSON arrives untyped (HTTP bodies, connector
 * captures), and these give it a shape at that boundary so tests read fields, not `any`.
 */

/** One node of an Adaptive Card at any depth: the card itself, a container, a column, an input or an action. */
export interface CardElement {
  type?: string;
  id?: string;
  text?: string;
  title?: string;
  value?: unknown;
  verb?: string;
  url?: string;
  data?: Record<string, unknown>;
  body?: CardElement[];
  items?: CardElement[];
  columns?: CardElement[];
  actions?: CardElement[];
  facts?: { title: string; value: string }[];
  choices?: { title: string; value: string }[];
  card?: CardElement;
  selectAction?: CardElement;
  refresh?: { action: CardElement; userIds?: string[] };
  [key: string]: unknown;
}

/** The top of an Adaptive Card (the `content` of its attachment). */
export type AdaptiveCard = CardElement;

export interface Attachment {
  contentType: string;
  content?: unknown;
  [key: string]: unknown;
}

/** An activity as the bot sends it to the Bot Connector (a reply, send or update), or a createConversation body. */
export interface SentActivity {
  type?: string;
  id?: string;
  text?: string;
  replyToId?: string;
  attachments?: Attachment[];
  conversation?: { id: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** An Action.Execute button as a test presses it. */
export interface CardButton {
  title: string;
  verb: string;
  data: Record<string, unknown>;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
