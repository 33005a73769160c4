import { parseOptions } from '../../bench/options';
import { SCENARIOS, runBench, table } from '../../bench/run';

/**
 * The bench at tiny sizes, everything in this process, so `npm run bench` cannot rot: every scenario must produce a
 * result of the right shape. No timing is asserted here (timing belongs in bench/, read by people).
 */
describe('bench smoke', () => {
  it('runs every scenario at tiny sizes and reports each in the results.json shape', async () => {
    const lines: string[] = [];
    const r = await runBench(parseOptions(['--smoke'], {}), (l) => lines.push(l));
    expect(r.failures).toEqual({});
    expect(SCENARIOS.filter((name) => r[name] === undefined)).toEqual([]);

    const num: unknown = expect.any(Number);
    expect(r.machine).toEqual(expect.any(String));
    expect(r.loadAverage.start).toHaveLength(3);
    expect(r.loadAverage.end).toHaveLength(3);
    expect(r.turns).toMatchObject({ echoPerSec: num, helpPerSec: num, statusPerSec: num, ratioStatusToEcho: num });
    expect(r.turns!.echoPerSec).toBeGreaterThan(0);
    expect(r.turns!.statusPerSec).toBeGreaterThan(0);
    expect(r.poll).toMatchObject({ jobs: 8, tenants: 4, graphRequestsPerCycle: num, cpuMsPerCycle: num, wallMsPerCycle: num });
    // One $batch per source tenant: a count, not a timing.
    expect(r.poll!.graphRequestsPerCycle).toBe(4);
    expect(r.alertLatency).toMatchObject({ pollSeconds: 10, jobs: 2, p50Seconds: num, p99Seconds: num, maxSeconds: num });
    expect(r.approvals).toMatchObject({ count: 4, concurrency: 4, duplicates: 0, notDone: 0, p95TurnMsBeyondGraph: num, graphCallsPerApproval: num });
    expect(r.memory).toMatchObject({ pendingApprovals: 20, watchedJobs: 8, idleRssMB: num, loadedRssMB: num, growthMB: num });
    expect(r.fanout).toMatchObject({ conversations: 4, delivered: 4, seconds: num, minimumSeconds: 0, ratio: null });

    const printed = table(r);
    for (const row of ['1 turns', '2 poll', '3 alerts', '4 approvals', '5 memory', '6 fan-out']) expect(printed).toContain(row);
  }, 120_000);
});
