import { performance } from 'node:perf_hooks';
import { cardAction, cardText, post } from '../../test/harness/activities';
import { ADELE, CONTOSO, LEE, MEGAN } from '../../test/harness/bot';
import { ConnectorStandIn } from '../../test/harness/connector';
import type { BenchContext } from '../context';
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
  p50TurnMs: number;
  p95TurnMs: number;
  p50TurnMsBeyondGraph: number;
  p95TurnMsBeyondGraph: number;
  graphCallsPerApproval: number;
}

/**
 * Approvals under load: `count` scope requests (each adds one user to its own configuration, created through the
 * service as a chat request would) are approved by `concurrency` concurrent Action.Execute invokes over HTTP, a share
 * of them clicked twice, while the simulator answers every Graph call `latencyMs` late. Graph calls are counted at the
 * simulator; "beyond Graph" subtracts latency × the Graph calls per approval, as if each turn waited for all of them.
 */
export async function approvalsScenario(ctx: BenchContext): Promise<ApprovalsResult> {
  const o = ctx.opts.approvals;
  const connector = await new ConnectorStandIn().start();
  const bot = await ctx.bot(ctx.estateFile({ pollIntervalSeconds: 60 }));
  try {
    // Configurations whose source tenant is one the bench added has users named user<i>@bench<t>.example.
    const configs = bot.estate.configurations.filter((c) => /^bench-/.test(c.name));
    const sources = configs.filter((c) => ctx.estate.tenants.findIndex((t) => t.id === c.sourceTenantId) >= 3);
    if (!sources.length) throw new Error('approvals: the estate has no added tenants to request users from');
    const requests: { id: string; cardVersion: number }[] = [];
    const wanted = Array.from({ length: o.count }, (_, i) => {
      const config = sources[i % sources.length]!;
      const t = ctx.estate.tenants.findIndex((x) => x.id === config.sourceTenantId);
      return { config: config.name, upn: `user${Math.floor(i / sources.length) % ctx.opts.estate.usersPerTenant}@bench${t}.example` };
    });
    // Set-up, not measured: few at once, because every create is a CAS on the one open-requests index.
    await pool(wanted, 2, async (w) => {
      const out = await bot.approvals.create({
        configuration: w.config,
        op: 'add',
        principalType: 'user',
        principals: [w.upn],
        reason: 'bench',
        requester: { aadObjectId: LEE.aadObjectId, tenantId: CONTOSO, name: LEE.name },
      });
      if (!out.ok) throw new Error(`approvals: could not create a request for ${w.upn} on ${w.config}: ${out.problem.title} ${out.problem.lines.join(' ')}`);
      requests.push({ id: out.record.request.id, cardVersion: out.record.request.cardVersion });
    });

    const random = prng(11);
    const clicks = requests.flatMap((r) => (random() < o.duplicateShare ? [r, r] : [r]));
    for (let i = clicks.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [clicks[i], clicks[j]] = [clicks[j]!, clicks[i]!];
    }
    if (o.latencyMs) await ctx.control.control('POST', '/faults', { latencyMs: o.latencyMs });
    await ctx.control.clearRequests();
    const turns: number[] = [];
    let failedTurns = 0;
    await pool(clicks, o.concurrency, async (r, i) => {
      const t0 = performance.now();
      const res = await post(
        bot.url,
        cardAction({ verb: 'approval.approve', data: { requestId: r.id, verb: 'approval.approve', cardVersion: r.cardVersion }, user: i % 2 ? MEGAN : ADELE, tenantId: CONTOSO, serviceUrl: connector.url, replyToId: `act-${r.id}` }),
      );
      turns.push(performance.now() - t0);
      if (res.status !== 200) throw new Error(`approve answered HTTP ${res.status}`);
      if (/Something went wrong/.test(cardText(res.body?.value ?? {}))) failedTurns++;
    });
    await bot.approvals.idle();
    const log = await ctx.control.requests();
    if (o.latencyMs) await ctx.control.control('POST', '/faults', { latencyMs: 0 });

    const calls = log.filter((r) => !r.inBatch).length;
    const assignments = log.filter((r) => r.method === 'POST' && /\/appRoleAssignedTo$/i.test(r.path)).length;
    const executed = (await bot.audit.last(requests.length * 3, { action: 'scope.executed' })).filter((e) => requests.some((r) => r.id === e.target));
    const duplicates = Math.max(0, assignments - requests.length) + (executed.length - new Set(executed.map((e) => e.target)).size);
    let notDone = 0;
    for (const r of requests) if ((await bot.approvals.get(r.id))?.request.status !== 'done') notDone++;
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
      p50TurnMs: round(percentile(turns, 50), 1),
      p95TurnMs: round(percentile(turns, 95), 1),
      p50TurnMsBeyondGraph: round(percentile(beyond, 50), 1),
      p95TurnMsBeyondGraph: round(percentile(beyond, 95), 1),
      graphCallsPerApproval: round(perApproval, 2),
    };
  } finally {
    await bot.close();
    await connector.stop();
  }
}
