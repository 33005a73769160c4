import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EstateConfig } from '../src/simulator/estateConfig';
import { BenchContext } from './context';
import { parseOptions, type BenchOptions } from './options';
import { Child, REPO_ROOT } from './procs';
import { alertsScenario } from './scenarios/alerts';
import { approvalsScenario } from './scenarios/approvals';
import { fanoutScenario } from './scenarios/fanout';
import { memoryScenario } from './scenarios/memory';
import { pollScenario } from './scenarios/poll';
import { turnsScenario } from './scenarios/turns';
import { startBenchSim } from './sim';

/**
 * `npm run bench`: starts a simulator (20 tenants, 1,000 jobs), runs the six scenarios, prints a table and writes
 * bench/results.json. Numbers are ratios and counts from one run; see bench/README.md.
 */

// Approvals run last: when they cannot finish, their abandoned work must not load the scenarios after them.
export const SCENARIOS = ['turns', 'poll', 'alertLatency', 'memory', 'fanout', 'approvals'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface BenchResults {
  machine: string;
  node: string;
  cpus: number;
  loadAverage: { start: number[]; end: number[] };
  startedAt: string;
  seconds: number;
  options: BenchOptions;
  turns?: Awaited<ReturnType<typeof turnsScenario>>;
  poll?: Awaited<ReturnType<typeof pollScenario>>;
  alertLatency?: Awaited<ReturnType<typeof alertsScenario>>;
  approvals?: Awaited<ReturnType<typeof approvalsScenario>>;
  memory?: Awaited<ReturnType<typeof memoryScenario>>;
  fanout?: Awaited<ReturnType<typeof fanoutScenario>>;
  /** Scenarios that threw, with the message: a run reports what it could. */
  failures: Record<string, string>;
}

const RUNNERS: Record<ScenarioName, (ctx: BenchContext) => Promise<unknown>> = {
  turns: turnsScenario,
  poll: pollScenario,
  alertLatency: alertsScenario,
  approvals: approvalsScenario,
  memory: memoryScenario,
  fanout: fanoutScenario,
};

export async function runBench(opts: BenchOptions, log: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<BenchResults> {
  const started = Date.now();
  const results: BenchResults = {
    machine: `${os.cpus()[0]?.model ?? 'unknown CPU'} (${os.cpus().length} cores), ${Math.round(os.totalmem() / 2 ** 30)} GB, ${os.platform()} ${os.release()}`,
    node: process.version,
    cpus: os.cpus().length,
    loadAverage: { start: os.loadavg().map((l) => Math.round(l * 100) / 100), end: [] },
    startedAt: new Date(started).toISOString(),
    seconds: 0,
    options: opts,
    failures: {},
  };
  let sim: { url: string; stop(): Promise<void> };
  if (opts.children) {
    const { child, match } = await Child.start('simulator', 'bench/child.ts', ['sim'], { BENCH_SIM_SIZES: JSON.stringify(opts.estate) }, /READY (\S+)/);
    sim = { url: match[1], stop: () => child.stop() };
  } else {
    const s = await startBenchSim(opts.estate);
    sim = { url: s.url, stop: () => s.close() };
  }
  const estate = (await (await fetch(`${sim.url}/_sim/estate`)).json()) as EstateConfig;
  const ctx = new BenchContext(opts, sim.url, estate);
  try {
    for (const name of SCENARIOS) {
      if (opts.only && !opts.only.includes(name)) continue;
      const t0 = Date.now();
      log(`bench: ${name}…`);
      try {
        (results as unknown as Record<string, unknown>)[name] = await RUNNERS[name](ctx);
        log(`bench: ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      } catch (err) {
        results.failures[name] = err instanceof Error ? err.message : String(err);
        log(`bench: ${name} FAILED: ${results.failures[name]}`);
      }
    }
  } finally {
    await sim.stop();
    ctx.cleanup();
  }
  results.loadAverage.end = os.loadavg().map((l) => Math.round(l * 100) / 100);
  results.seconds = Math.round((Date.now() - started) / 100) / 10;
  return results;
}

type Row = [string, string, string, string];

/** The table printed at the end and pasted into bench/README.md: measured value and target side by side. */
export function table(r: BenchResults): string {
  const rows: Row[] = [['Scenario', 'Measure', 'Value', 'Target']];
  const t = r.turns;
  if (t) {
    rows.push(['1 turns', `echo / help / status turns/s (${t.clients} clients)`, `${t.echoPerSec} / ${t.helpPerSec} / ${t.statusPerSec}`, '']);
    rows.push(['', 'help ÷ echo, status ÷ echo', `${t.ratioHelpToEcho}, ${t.ratioStatusToEcho}`, '≥ 0.8']);
  }
  const p = r.poll;
  if (p) {
    rows.push(['2 poll', `Graph requests per cycle (${p.jobs} jobs, ${p.tenants} tenants)`, `${p.graphRequestsPerCycle}`, '≤ 55']);
    rows.push(['', 'CPU / wall ms per cycle', `${p.cpuMsPerCycle} / ${p.wallMsPerCycle}`, '≤ 300 CPU']);
  }
  const a = r.alertLatency;
  if (a)
    rows.push([
      '3 alerts',
      `p50 / p99 / max s (${a.jobs} jobs, poll ${a.pollSeconds} s)`,
      `${a.p50Seconds} / ${a.p99Seconds} / ${a.maxSeconds}`,
      `p99 ≤ ${a.pollSeconds + 2}`,
    ]);
  const ap = r.approvals;
  if (ap) {
    rows.push([
      '4 approvals',
      `duplicates (${ap.count} requests, ${ap.invokes} invokes, ${ap.concurrency} at once)`,
      `${ap.duplicates} (not done ${ap.notDone}, failed turns ${ap.failedTurns}${ap.timedOut ? `, TIMED OUT: ${ap.answeredInvokes} invokes answered` : ''})`,
      '0',
    ]);
    rows.push(['', `turn ms beyond Graph p50 / p95 (raw p95 ${ap.p95TurnMs})`, `${ap.p50TurnMsBeyondGraph} / ${ap.p95TurnMsBeyondGraph}`, 'p95 ≤ 50']);
    rows.push(['', 'Graph calls per approval', `${ap.graphCallsPerApproval}`, '']);
  }
  const m = r.memory;
  if (m)
    rows.push([
      '5 memory',
      `RSS idle → loaded MB (${m.pendingApprovals} pending, ${m.watchedJobs} jobs)`,
      `${m.idleRssMB} → ${m.loadedRssMB} (+${m.growthMB}; heap +${m.heapGrowthMB})`,
      '≤ 100 growth',
    ]);
  const f = r.fanout;
  if (f)
    rows.push([
      '6 fan-out',
      `seconds vs minimum (${f.conversations} chats, ${f.throttled} × 429)`,
      `${f.seconds} vs ${f.minimumSeconds} (ratio ${f.ratio ?? 'n/a'})`,
      '',
    ]);
  for (const [name, message] of Object.entries(r.failures)) rows.push([name, 'FAILED', message.slice(0, 80), '']);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row: Row) => `| ${row.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  let opts: BenchOptions;
  try {
    opts = parseOptions(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const results = await runBench(opts);
  const out = path.resolve(REPO_ROOT, opts.out);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(
    `\n${table(results)}\n\nMachine: ${results.machine}; Node ${results.node}; load average ${results.loadAverage.start.join(' ')} → ${results.loadAverage.end.join(' ')}; ${results.seconds} s. Written to ${opts.out}\n`,
  );
  process.exit(Object.keys(results.failures).length ? 1 : 0);
}

if (require.main === module) void main();
