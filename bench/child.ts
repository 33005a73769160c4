import { startEchoBot } from './echo';
import { measureMemory, type MemoryProbeInput } from './scenarios/memory';
import { startBenchSim, type BenchSimSizes } from './sim';

/**
 * `node -r ts-node/register/transpile-only bench/child.ts <role>`: what the bench runs in a process of its own, so its
 * CPU does not count against the bot being measured. Prints one `READY <url>` or `RESULT <json>` line.
 */
async function main(): Promise<void> {
  const role = process.argv[2];
  if (role === 'sim') {
    const sim = await startBenchSim(JSON.parse(process.env.BENCH_SIM_SIZES ?? '{}') as BenchSimSizes);
    process.stdout.write(`READY ${sim.url}\n`);
    process.once('SIGTERM', () => void sim.close().then(() => process.exit(0)));
  } else if (role === 'echo') {
    const echo = await startEchoBot();
    process.stdout.write(`READY ${echo.url}\n`);
    process.once('SIGTERM', () => void echo.close().then(() => process.exit(0)));
  } else if (role === 'memory') {
    const result = await measureMemory(JSON.parse(process.env.BENCH_MEMORY ?? '{}') as MemoryProbeInput);
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
    process.exit(0);
  } else {
    process.stderr.write(`unknown role ${role}\n`);
    process.exit(2);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench child failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
