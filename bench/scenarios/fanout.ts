import type { ConversationTarget } from '../../src/services/ports';
import { CONVERSATION_LIMITS, GLOBAL_LIMITS } from '../../src/teams/notifier';
import { BOT } from '../../test/harness/activities';
import { CONTOSO, MEGAN } from '../../test/harness/bot';
import { ConnectorStandIn } from '../../test/harness/connector';
import type { BenchContext } from '../context';
import { round } from '../stats';

export interface FanoutResult {
  conversations: number;
  delivered: number;
  /** 429s the connector answered on the way. */
  throttled: number;
  /** From the first attempt reaching the connector to the last card accepted. */
  seconds: number;
  /** The least the global limit allows for one card each: (n - 1) / 50 per second, in whole windows. */
  minimumSeconds: number;
  /** seconds / minimumSeconds; null when the limits allow all at once. */
  ratio: number | null;
}

/**
 * Proactive fan-out: one incident on a job watched by `conversations` group chats, the connector stand-in enforcing
 * Teams' documented limits (per conversation and 50 per second per app and tenant) by answering 429 as Teams does.
 */
export async function fanoutScenario(ctx: BenchContext): Promise<FanoutResult> {
  const n = ctx.opts.fanout.conversations;
  const connector = await new ConnectorStandIn().start();
  connector.enforceRateLimits(CONVERSATION_LIMITS, GLOBAL_LIMITS);
  const bot = await ctx.bot(ctx.estateFile({ configurations: 3, pollIntervalSeconds: 60 }));
  try {
    const config = bot.estate.configurations[0];
    const ids = Array.from({ length: n }, (_, i) => `19:bench-fanout-${i}@thread.v2`);
    for (const id of ids) {
      const target: ConversationTarget = {
        key: id,
        kind: 'groupChat',
        reference: {
          serviceUrl: connector.url,
          channelId: 'msteams',
          conversation: { id, conversationType: 'groupChat', isGroup: true, tenantId: CONTOSO },
          bot: BOT,
        },
      };
      await bot.subscriptions.subscribe(target, 'alerts', config.name, { aadObjectId: MEGAN.aadObjectId, name: MEGAN.name });
    }
    // A healthy first poll, then the incident.
    await bot.monitor.pollOnce();
    await ctx.control.quarantine(config.sourceTenantId, config.jobId!, 'EncounteredQuarantineException');
    const attemptsBefore = connector.throttled;
    let firstAttempt = Number.POSITIVE_INFINITY;
    const started = Date.now();
    const report = await bot.monitor.pollOnce();
    const sends = connector.calls.filter((c) => c.kind === 'send' && ids.includes(c.conversationId));
    for (const c of sends) firstAttempt = Math.min(firstAttempt, c.at!);
    // A throttled first attempt is not recorded as a call; the poll's start bounds it from below.
    if (connector.throttled > attemptsBefore) firstAttempt = Math.min(firstAttempt, started);
    const last = Math.max(...sends.map((c) => c.at!));
    const seconds = (last - firstAttempt) / 1000;
    const minimumSeconds = Math.floor((n - 1) / GLOBAL_LIMITS[0].count) * (GLOBAL_LIMITS[0].ms / 1000);
    if (report.posted !== n) throw new Error(`fan-out: ${report.posted} of ${n} cards posted (${report.failed} failed)`);
    return {
      conversations: n,
      delivered: new Set(sends.map((c) => c.conversationId)).size,
      throttled: connector.throttled - attemptsBefore,
      seconds: round(seconds),
      minimumSeconds,
      ratio: minimumSeconds > 0 ? round(seconds / minimumSeconds) : null,
    };
  } finally {
    await bot.close();
    await connector.stop();
  }
}
