import { message, post } from '../../test/harness/activities';
import { CONTOSO, MEGAN } from '../../test/harness/bot';
import { ConnectorStandIn } from '../../test/harness/connector';
import type { BenchContext } from '../context';
import { percentile, prng, round } from '../stats';

export interface AlertLatencyResult {
  pollSeconds: number;
  jobs: number;
  p50Seconds: number;
  p99Seconds: number;
  maxSeconds: number;
  /** Set when the polls were driven by the bench (smoke), not by the monitor's timer. */
  manualPoll?: boolean;
}

/**
 * Alert latency: `jobs` configurations, each watched by its own group chat, are quarantined at random moments over
 * `spanSeconds` while the monitor polls every `pollSeconds`; latency runs from the simulator's answer to the
 * quarantine call (the state has changed) to the alert card's arrival at the connector stand-in.
 */
export async function alertsScenario(ctx: BenchContext): Promise<AlertLatencyResult> {
  const o = ctx.opts.alerts;
  const connector = await new ConnectorStandIn().start();
  const bot = await ctx.bot(ctx.estateFile({ pollIntervalSeconds: o.pollSeconds }), { MONITOR: o.manualPoll ? 'off' : 'on' });
  try {
    const random = prng(7);
    const all = [...bot.estate.configurations];
    // The fan-out scenario uses the first configuration; leave it healthy.
    const pool = all.slice(1);
    const picked = Array.from({ length: Math.min(o.jobs, pool.length) }, () => pool.splice(Math.floor(random() * pool.length), 1)[0]);
    const chats = picked.map((_, i) => `19:bench-alerts-${i}@thread.v2`);
    for (const [i, config] of picked.entries()) {
      const res = await post(
        bot.url,
        message({
          text: `subscribe alerts ${config.name}`,
          user: MEGAN,
          tenantId: CONTOSO,
          serviceUrl: connector.url,
          place: { kind: 'groupChat', conversationId: chats[i] },
        }),
      );
      if (res.status !== 200) throw new Error(`subscribe answered ${res.status}`);
    }
    const changedAt: number[] = [];
    const offsets = picked.map(() => random() * o.spanSeconds * 1000);
    const started = Date.now();
    await Promise.all(
      picked.map(async (config, i) => {
        await new Promise((r) => setTimeout(r, Math.max(0, started + offsets[i] - Date.now())));
        await ctx.control.quarantine(config.sourceTenantId, config.jobId!, 'EncounteredQuarantineException');
        changedAt[i] = Date.now();
      }),
    );
    if (o.manualPoll) await bot.monitor.pollOnce();
    const alertOf = (i: number) => connector.calls.find((c) => c.kind === 'send' && c.conversationId === chats[i]);
    await connector.waitFor(() => chats.every((_, i) => alertOf(i)), (o.spanSeconds + 3 * o.pollSeconds + 60) * 1000);
    const latencies = chats.map((_, i) => (alertOf(i)!.at! - changedAt[i]) / 1000);
    return {
      pollSeconds: o.pollSeconds,
      jobs: picked.length,
      p50Seconds: round(percentile(latencies, 50)),
      p99Seconds: round(percentile(latencies, 99)),
      maxSeconds: round(Math.max(...latencies)),
      ...(o.manualPoll ? { manualPoll: true } : {}),
    };
  } finally {
    await bot.close();
    await connector.stop();
  }
}
