import { randomUUID } from 'node:crypto';

/** Teams-shaped activities, as the Teams service posts them to the bot's /api/messages. */
export interface TestUser {
  aadObjectId: string;
  name: string;
}

export const BOT = { id: '28:cts-ops-bot', name: 'CTS Ops' };

export type Place =
  | { kind: 'personal'; conversationId?: string }
  | { kind: 'groupChat'; conversationId: string }
  | { kind: 'channel'; teamId: string; channelId: string };

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

export function message(opts: { text: string; user: TestUser; tenantId: string; serviceUrl: string; place?: Place; mention?: boolean }): any {
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
export function cardAction(opts: { verb: string; data: Record<string, unknown>; user: TestUser; tenantId: string; serviceUrl: string; replyToId: string; place?: Place }): any {
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
export async function post(botUrl: string, activity: unknown, token?: string): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(`${botUrl}/api/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token !== undefined ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(activity),
  });
  const text = await res.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: res.status, body, text };
}

/** The Adaptive Card content of a connector call's activity (first attachment), or undefined. */
export function cardOf(activity: any): any {
  return activity?.attachments?.find((a: any) => a.contentType === 'application/vnd.microsoft.card.adaptive')?.content;
}

/** Every TextBlock/FactSet text in a card, flattened, for assertions that read like what a person sees. */
export function cardText(card: any): string {
  const out: string[] = [];
  const walk = (node: any): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    if (node.type === 'FactSet' && Array.isArray(node.facts)) {
      for (const f of node.facts) out.push(`${f.title}: ${f.value}`);
      return;
    }
    if (typeof node.text === 'string') out.push(node.text);
    if (typeof node.title === 'string') out.push(node.title);
    for (const [k, v] of Object.entries(node)) if (k !== 'text' && typeof v === 'object') walk(v);
  };
  walk(card);
  return out.join('\n');
}

/** The Action.Execute buttons on a card (anywhere in it: actions, selectActions, nested containers). */
export function buttons(card: any): { title: string; verb: string; data: any }[] {
  const out: { title: string; verb: string; data: any }[] = [];
  const walk = (n: any) => {
    if (!n || typeof n !== 'object') return;
    if (Array.isArray(n)) return n.forEach(walk);
    if (n.type === 'Action.Execute') out.push({ title: n.title, verb: n.verb, data: n.data });
    Object.values(n).forEach(walk);
  };
  walk(card);
  return out;
}
