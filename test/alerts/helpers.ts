import { cardAction, cardOf, cardText, post, type Place, type TestUser } from '../harness/activities';
import { CONTOSO, type BotUnderTest } from '../harness/bot';
import type { ConnectorCall } from '../harness/connector';

/** The Action.Execute buttons on a card. */
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

/** Proactive alert posts (not replies to someone's message) in a conversation. */
export function alertPosts(t: BotUnderTest, conversationId: string): ConnectorCall[] {
  return t.connector.sentTo(conversationId).filter((c) => c.kind === 'send' && /^Alert /m.test(cardText(cardOf(c.body) ?? {})));
}

export function conversationIdOf(place: Place, user: TestUser): string {
  if (place.kind === 'personal') return place.conversationId ?? `a:personal-${user.aadObjectId}`;
  if (place.kind === 'groupChat') return place.conversationId;
  return place.channelId;
}

/** Clicks `verb` on the card of activity `activityId` in `place`; returns the invoke's answer card. */
export async function click(t: BotUnderTest, user: TestUser, place: Place, activityId: string, card: any, verb: string): Promise<any> {
  const button = buttons(card).find((b) => b.verb === verb);
  if (!button) throw new Error(`no ${verb} button on ${cardText(card)}`);
  const res = await post(t.bot.url, cardAction({ verb, data: button.data, user, tenantId: CONTOSO, serviceUrl: t.connector.url, replyToId: activityId, place }));
  if (res.status !== 200) throw new Error(`invoke answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.value;
}
