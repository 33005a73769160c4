import { randomUUID } from 'node:crypto';
import { isRecord, type AdaptiveCard, type CardButton, type CardElement } from './cardTypes';

/** Teams-shaped activities, as the Teams service posts them to the bot's /api/messages. */
export interface TestUser {
  aadObjectId: string;
  name: string;
}

export const BOT = { id: '28:cts-ops-bot', name: 'CTS Ops' };

export type Place =
  { kind: 'personal'; conversationId?: string } | { kind: 'groupChat'; conversationId: string } | { kind: 'channel'; teamId: string; channelId: string };

export function conversationOf(place: Place, user: TestUser): { id: string; conversationType: string; isGroup?: boolean } {
  switch (place.kind) {
    case 'personal':
      return { id: place.conversationId ?? `a:personal-${user.aadObjectId}`, conversationType: 'personal' };
    case 'groupChat':
      return { id: place.conversationId, conversationType: 'groupChat', isGroup: true };
    case 'channel':
      return { id: `${place.channelId};messageid=${Date.now()}`, conversationType: 'channel', isGroup: true };
  }
}

/** An activity as Teams posts it to the bot (message or invoke). */
export interface TestActivity {
  type: string;
  name?: string;
  id: string;
  timestamp: string;
  serviceUrl: string;
  channelId: string;
  from: { id: string; name: string; aadObjectId?: string };
  conversation: { id: string; conversationType: string; isGroup?: boolean; tenantId: string };
  recipient: { id: string; name: string };
  replyToId?: string;
  text?: string;
  textFormat?: string;
  locale?: string;
  entities?: unknown[];
  value?: unknown;
  channelData: Record<string, unknown>;
  [key: string]: unknown;
}

/** The body of the bot's answer to an invoke (an Action.Execute click): a card or a message. */
export interface InvokeResponseBody {
  statusCode?: number;
  type?: string;
  value?: AdaptiveCard | string;
  [key: string]: unknown;
}

export function message(opts: { text: string; user: TestUser; tenantId: string; serviceUrl: string; place?: Place; mention?: boolean }): TestActivity {
  const place = opts.place ?? { kind: 'personal' };
  const conversation = { ...conversationOf(place, opts.user), tenantId: opts.tenantId };
  const mention = opts.mention ?? place.kind !== 'personal';
  const text = mention ? `<at>${BOT.name}</at> ${opts.text}` : opts.text;
  return {
    type: 'message',
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    serviceUrl: opts.serviceUrl,
    channelId: 'msteams',
    from: { id: `29:${opts.user.aadObjectId}`, name: opts.user.name, aadObjectId: opts.user.aadObjectId },
    conversation,
    recipient: BOT,
    text,
    textFormat: 'plain',
    locale: 'en-US',
    entities: mention ? [{ type: 'mention', text: `<at>${BOT.name}</at>`, mentioned: BOT }] : [],
    channelData: {
      tenant: { id: opts.tenantId },
      ...(place.kind === 'channel' ? { team: { id: place.teamId }, channel: { id: place.channelId } } : {}),
    },
  };
}

/** An Action.Execute click: an `adaptiveCard/action` invoke whose `replyToId` is the card's activity id. */
export function cardAction(opts: {
  verb: string;
  data: Record<string, unknown>;
  user: TestUser;
  tenantId: string;
  serviceUrl: string;
  replyToId: string;
  place?: Place;
}): TestActivity {
  const place = opts.place ?? { kind: 'personal' };
  return {
    type: 'invoke',
    name: 'adaptiveCard/action',
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    serviceUrl: opts.serviceUrl,
    channelId: 'msteams',
    from: { id: `29:${opts.user.aadObjectId}`, name: opts.user.name, aadObjectId: opts.user.aadObjectId },
    conversation: { ...conversationOf(place, opts.user), tenantId: opts.tenantId },
    recipient: BOT,
    replyToId: opts.replyToId,
    value: { action: { type: 'Action.Execute', verb: opts.verb, data: opts.data }, trigger: 'manual' },
    channelData: { tenant: { id: opts.tenantId } },
  };
}

/**
 * Posts one activity to the bot over HTTP, as Teams does; returns the HTTP status and body (the invoke response).
 * `token`: sent as the Bearer token (the auth tests); none by default, as a local run without an app id expects.
 */
export async function post(botUrl: string, activity: unknown, token?: string): Promise<{ status: number; body: InvokeResponseBody | undefined; text: string }> {
  const res = await fetch(`${botUrl}/api/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token !== undefined ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(activity),
  });
  const text = await res.text();
  // A body that is not JSON (an auth error's text) is left in `text`.
  let body: InvokeResponseBody | undefined;
  try {
    body = text ? (JSON.parse(text) as InvokeResponseBody) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}

/** The Adaptive Card content of a connector call's activity (first attachment), or undefined. */
export function cardOf(activity: unknown): AdaptiveCard | undefined {
  if (!isRecord(activity) || !Array.isArray(activity.attachments)) return undefined;
  const attachment: unknown = activity.attachments.find((a) => isRecord(a) && a.contentType === 'application/vnd.microsoft.card.adaptive');
  return isRecord(attachment) && isRecord(attachment.content) ? attachment.content : undefined;
}

/** Every TextBlock/FactSet text in a card, flattened, for assertions that read like what a person sees. */
export function cardText(card: unknown): string {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    const n = node as CardElement;
    if (n.type === 'FactSet' && Array.isArray(n.facts)) {
      for (const f of n.facts) out.push(`${f.title}: ${f.value}`);
      return;
    }
    if (typeof n.text === 'string') out.push(n.text);
    if (typeof n.title === 'string') out.push(n.title);
    for (const [k, v] of Object.entries(n)) if (k !== 'text' && typeof v === 'object') walk(v);
  };
  walk(card);
  return out.join('\n');
}

/** The Action.Execute buttons on a card (anywhere in it: actions, selectActions, nested containers). */
export function buttons(card: unknown): CardButton[] {
  const out: CardButton[] = [];
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    const n = node as CardElement;
    if (n.type === 'Action.Execute') out.push({ title: n.title ?? '', verb: n.verb ?? '', data: n.data ?? {} });
    Object.values(n).forEach(walk);
  };
  walk(card);
  return out;
}
