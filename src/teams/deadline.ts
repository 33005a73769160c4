import { TurnContext, type CloudAdapter } from 'botbuilder';
import { notice, toActivity, type Reply } from './reply';

/** Teams gives a message turn about 15 s and a card click (invoke) about 5 s; answer well before either. */
export const MESSAGE_ANSWER_MS = 8_000;
export const INVOKE_ANSWER_MS = 3_000;

export type Raced<T> = { done: true; value: T } | { done: false; later: Promise<T> };

/** Waits for `work` at most `ms`; if it is not done by then, hands back the promise to finish in the background. */
export async function within<T>(work: Promise<T>, ms: number): Promise<Raced<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  try {
    const first = await Promise.race([work.then((value) => ({ done: true as const, value })), late]);
    return first === 'late' ? { done: false, later: work } : first;
  } finally {
    clearTimeout(timer);
  }
}

export function workingReply(what: string): Reply {
  return notice('Working on it', `${what} is waiting on Microsoft Graph. This card updates when it is done.`, { style: 'default' });
}

/**
 * After the turn has answered (with a "working" card), replaces that card with the real answer — or with the error in
 * words — through the adapter outside the turn. The conversation reference is taken now, while the turn is alive.
 */
export function finishLater(
  context: TurnContext,
  botAppId: string,
  activityId: string,
  later: Promise<Reply>,
  onError: (err: unknown) => Reply,
): Promise<void> {
  const reference = TurnContext.getConversationReference(context.activity);
  const adapter = context.adapter as CloudAdapter;
  const update = (reply: Reply) =>
    adapter.continueConversationAsync(botAppId, reference, async (ctx) => {
      await ctx.updateActivity({ ...toActivity(reply), id: activityId });
    });
  return later.then(update, (err) => update(onError(err)));
}
