import { performance } from 'node:perf_hooks';
import { cardAction, cardText, post } from '../../test/harness/activities';
import { ADELE, CONTOSO, MEGAN } from '../../test/harness/bot';
import { ConnectorStandIn } from '../../test/harness/connector';
import type { BenchContext } from '../context';
import { seedPending } from '../seed';
import { benchUserId } from '../sim';
import { percentile, pool, prng, round } from '../stats';

export interface ApprovalsResult {
  count: number;
  concurrency: number;
  /** Invokes sent (each request once, some twice on purpose). */
  invokes: number;
  graphLatencyMs: number;
  /** Graph assignments or "executed" audit entries beyond one per request: must be 0. */
  duplicates: number;
  /** Requests that did not end `done`. */
  notDone: number;
  /** Invokes answered with "Something went wrong". */
  failedTurns: number;
  /** true when the approvals were not all carried out within timeoutSeconds: the numbers cover what was. */
  timedOut: boolean;
  answeredInvokes: number;
  p50TurnMs: number;
  p95TurnMs: number;
  p50TurnMsBeyondGraph: number;
  p95TurnMsBeyondGraph: number;
  graphCallsPerApproval: number;
}

/**
 * Approvals under load: `count` open scope requests (each adds one bench user to a configuration; seeded as the
 * service stores them, see bench/seed.ts) are approved by `concurrency` concurrent Action.Execute invokes over HTTP, a share
 * of them clicked twice, while the simulator answers every Graph call `latencyMs` late. Graph calls are counted at the
 * simulator; "beyond Graph" subtracts latency × the Graph calls per approval, as if each turn waited for all of them.
 */
export async function approvalsScenario(ctx: BenchContext): Promise<ApprovalsResult> {
  const o = ctx.opts.approvals;
  const connector = await new ConnectorStandIn().start();
  const bot = await ctx.bot(ctx.estateFile({ pollIntervalSeconds: 60 }));
  let abandoned = false;
  try {
    // Configurations whose source tenant is one the bench added has users named user<i>@bench<t>.example.
    const configs = bot.estate.configurations.filter((c) => /^bench-/.test(c.name));
    const sources = configs.filter((c) => ctx.estate.tenants.findIndex((t) => t.id === c.sourceTenantId) >= 3);
    if (o.count > sources.length * ctx.opts.estate.usersPerTenant) throw new Error('approvals: more requests than configuration/user pairs to ask for');
    if (!sources.length) throw new Error('approvals: the estate has no added tenants to request users from');
    const tenantIndex = (id: string) => ctx.estate.tenants.findIndex((t) => t.id === id);
    const users = ctx.opts.estate.usersPerTenant;
    const items = Array.from({ length: o.count }, (_, i) => {
      const config = sources[i % sources.length];
      const t = tenantIndex(config.sourceTenantId);
      const u = Math.floor(i / sources.length) % users;
      return {
        configuration: config.name,
        principal: { id: benchUserId(t, u), displayName: `Bench User ${t}-${u}`, userPrincipalName: `user${u}@bench${t}.example` },
      };
    });
    const seeded = await seedPending(bot, () => [items[0].principal.userPrincipalName], items);
    const requests = seeded.map((r) => ({ id: r.request.id, cardVersion: r.request.cardVersion }));

    const random = prng(11);
    const clicks = requests.flatMap((r) => (random() < o.duplicateShare ? [r, r] : [r]));
    for (let i = clicks.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [clicks[i], clicks[j]] = [clicks[j], clicks[i]];
    }
    if (o.latencyMs) await ctx.control.control('POST', '/faults', { latencyMs: o.latencyMs });
    await ctx.control.clearRequests();
    const turns: number[] = [];
    let failedTurns = 0;
    let timedOut = false;
    const deadline = Date.now() + o.timeoutSeconds * 1000;
    const clicking = pool(clicks, o.concurrency, async (r, i) => {
      if (Date.now() > deadline) return;
      const t0 = performance.now();
      const res = await post(
        bot.url,
        cardAction({
          verb: 'approval.approve',
          data: { requestId: r.id, verb: 'approval.approve', cardVersion: r.cardVersion },
          user: i % 2 ? MEGAN : ADELE,
          tenantId: CONTOSO,
          serviceUrl: connector.url,
          replyToId: `act-${r.id}`,
        }),
      );
      turns.push(performance.now() - t0);
      if (res.status !== 200) throw new Error(`approve answered HTTP ${res.status}`);
      if (/Something went wrong/.test(cardText(res.body?.value ?? {}))) failedTurns++;
    });
    // A run that cannot finish reports what it did by the deadline rather than holding the bench up.
    timedOut = await Promise.race([
      clicking.then(() => bot.approvals.idle()).then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), o.timeoutSeconds * 1000).unref()),
    ]);
    if (timedOut) abandoned = true;
    const log = await ctx.control.requests();
    if (o.latencyMs) await ctx.control.control('POST', '/faults', { latencyMs: 0 });

    const calls = log.filter((r) => !r.inBatch).length;
    const assignments = log.filter((r) => r.method === 'POST' && /\/appRoleAssignedTo$/i.test(r.path)).length;
    const ids = new Set(requests.map((r) => r.id));
    const executed = (await bot.audit.last(requests.length * 3, { action: 'scope.executed' })).filter((e) => ids.has(e.target ?? ''));
    const duplicates = Math.max(0, assignments - requests.length) + (executed.length - new Set(executed.map((e) => e.target)).size);
    let notDone = 0;
    for (const r of requests) if ((await bot.approvals.get(r.id))?.request.status !== 'done') notDone++;
    const finished = turns.length;
    const perApproval = calls / Math.max(1, requests.length);
    const beyond = turns.map((t) => t - perApproval * o.latencyMs);
    return {
      count: requests.length,
      concurrency: o.concurrency,
      invokes: clicks.length,
      graphLatencyMs: o.latencyMs,
      duplicates,
      notDone,
      failedTurns,
      timedOut,
      answeredInvokes: finished,
      p50TurnMs: round(percentile(turns, 50), 1),
      p95TurnMs: round(percentile(turns, 95), 1),
      p50TurnMsBeyondGraph: round(percentile(beyond, 50), 1),
      p95TurnMsBeyondGraph: round(percentile(beyond, 95), 1),
      graphCallsPerApproval: round(perApproval, 2),
    };
  } finally {
    // Abandoned work still holds the bot: leave it to the process's exit rather than wait for it.
    if (abandoned) void bot.close().catch(() => undefined);
    else {
      await bot.close();
      await connector.stop();
    }
  }
}
