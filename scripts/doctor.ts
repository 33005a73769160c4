/**
 * `npm run doctor -- [--simulator <url>] [--json] [<configuration>...]`: the chat command's checks for deployment
 * pipelines. The estate comes from CTS_CONFIG (as for the bot), or from a running simulator's /_sim/estate.
 * Exit code: 0 when nothing fails (warnings and "could not check" are printed), 1 when a check fails,
 * 2 when the command line or the estate is wrong.
 */
import { parseEstate, readEstateFile, type Estate } from '../src/config';
import { botAppIdFor } from '../src/config/botApp';
import type { CheckStatus } from '../src/domain/doctor';
import { createCtsGraph } from '../src/graph';
import { Configurations } from '../src/services/configurations';
import { Doctor, type DoctorReport } from '../src/services/doctor';

const USAGE = 'Usage: npm run doctor -- [--simulator <url>] [--json] [<configuration>...]   (estate: CTS_CONFIG, or --simulator)';
const MARK: Record<CheckStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', unknown: '????' };

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

async function loadEstate(simulator: string | undefined): Promise<Estate> {
  if (simulator) {
    let json: unknown;
    try {
      const res = await fetch(`${simulator.replace(/\/+$/, '')}/_sim/estate`);
      if (!res.ok) fail(`The simulator at ${simulator} answered ${res.status} for /_sim/estate.`);
      json = await res.json();
    } catch (e) {
      fail(`Could not reach the simulator at ${simulator}: ${(e as Error).message}`);
    }
    const parsed = parseEstate(json, 'simulator estate');
    if (!parsed.ok) fail(parsed.problems.map((p) => `${p.where}: ${p.message}`).join('\n'));
    return parsed.estate;
  }
  const file = process.env.CTS_CONFIG;
  if (!file) fail('Set CTS_CONFIG to the estate file, or pass --simulator <url>.');
  const parsed = readEstateFile(file);
  if (!parsed.ok) fail(parsed.problems.map((p) => `${p.where}: ${p.message}`).join('\n'));
  return parsed.estate;
}

function print(report: DoctorReport): string {
  const lines: string[] = [];
  for (const c of report.configurations) {
    lines.push(`${c.config} (${c.route}): ${c.worst.toUpperCase()}`);
    for (const f of c.findings) {
      lines.push(`  ${MARK[f.status]}  ${f.title}: ${f.found}`);
      if (f.status !== 'pass') lines.push(`        fix: ${f.fix}`);
    }
  }
  const n = report.counts;
  lines.push(`${n.pass} pass, ${n.warn} warn, ${n.fail} fail, ${n.unknown} could not check.`);
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let simulator: string | undefined;
  let json = false;
  const names: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--simulator') simulator = args[++i] ?? fail('--simulator needs a URL, e.g. http://localhost:3979');
    else if (a === '--json') json = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(`${USAGE}\n`);
      return;
    } else if (a.startsWith('-')) fail(`Unknown option ${a}.`);
    else if (a !== 'all') names.push(a);
  }
  const estate = await loadEstate(simulator);
  const unknown = names.filter((n) => !estate.configurations.some((c) => c.name.toLowerCase() === n.toLowerCase()));
  if (unknown.length) fail(`No configuration called ${unknown.join(', ')}. Configurations: ${estate.configurations.map((c) => c.name).join(', ')}.`);
  const graph = createCtsGraph(estate);
  const doctor = new Doctor(new Configurations(estate, graph), graph, { botAppId: (t) => botAppIdFor(estate, t, process.env) });
  const report = await doctor.run(names.length ? names : undefined);
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : print(report));
  process.exitCode = report.worst === 'fail' ? 1 : 0;
}

main().catch((e: unknown) => {
  process.stderr.write(`doctor failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
});
