import { performance } from 'node:perf_hooks';
import type { BenchContext } from '../context';
import { profiled } from '../profile';
import { mean, round } from '../stats';

export interface PollResult {
  jobs: number;
  tenants: number;
  cycles: number;
  /** Top-level HTTP requests to Graph per poll ($batch counts once). */
  graphRequestsPerCycle: number;
  /** Requests inside those batches per poll. */
  batchedRequestsPerCycle: number;
  cpuMsPerCycle: number;
  wallMsPerCycle: number;
}

/**
 * The monitor's poll over the whole estate (in this process, the simulator in its own): Graph requests counted at the
 * simulator, CPU time of this process and wall time around `pollOnce`, averaged over `cycles` after one warm-up poll.
 */
export async function pollScenario(ctx: BenchContext): Promise<PollResult> {
  const bot = await ctx.bot(ctx.estateFile({ pollIntervalSeconds: 60 }));
  try {
    await bot.monitor.pollOnce();
    const requests: number[] = [];
    const batched: number[] = [];
    const cpu: number[] = [];
    const wall: number[] = [];
    // BENCH_POLL_PROFILE=<file.cpuprofile>: a CPU profile of the measured cycles only.
    await profiled(process.env.BENCH_POLL_PROFILE, async () => {
      for (let i = 0; i < ctx.opts.poll.cycles; i++) {
        await ctx.control.clearRequests();
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const report = await bot.monitor.pollOnce();
        wall.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1000);
        if (report.readErrors) throw new Error(`poll: ${report.readErrors} jobs could not be read`);
        const log = await ctx.control.requests();
        requests.push(log.filter((r) => !r.inBatch).length);
        batched.push(log.filter((r) => r.inBatch).length);
      }
    });
    return {
      jobs: bot.estate.configurations.length,
      tenants: new Set(bot.estate.configurations.map((c) => c.sourceTenantId)).size,
      cycles: ctx.opts.poll.cycles,
      graphRequestsPerCycle: round(mean(requests), 1),
      batchedRequestsPerCycle: round(mean(batched), 1),
      cpuMsPerCycle: round(mean(cpu), 1),
      wallMsPerCycle: round(mean(wall), 1),
    };
  } finally {
    await bot.close();
  }
}
