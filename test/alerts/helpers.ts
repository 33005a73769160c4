import { buttons, cardAction, cardOf, cardText, post, type InvokeResponseBody, type Place, type TestUser } from '../harness/activities';
import type { AdaptiveCard } from '../harness/cardTypes';

export { buttons };
import { CONTOSO, type BotUnderTest } from '../harness/bot';
import type { ConnectorCall } from '../harness/connector';

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
export async function click(
  t: BotUnderTest,
  user: TestUser,
  place: Place,
  activityId: string,
  card: AdaptiveCard | undefined,
  verb: string,
): Promise<InvokeResponseBody['value']> {
  const button = buttons(card).find((b) => b.verb === verb);
  if (!button) throw new Error(`no ${verb} button on ${cardText(card)}`);
  const res = await post(
    t.bot.url,
    cardAction({ verb, data: button.data, user, tenantId: CONTOSO, serviceUrl: t.connector.url, replyToId: activityId, place }),
  );
  if (res.status !== 200) throw new Error(`invoke answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body?.value;
}
