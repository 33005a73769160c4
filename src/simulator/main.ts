import { startSimulator } from './index';

/** `npm run simulator`: the simulator alone on SIM_PORT (default 3979), cycling every 15 s. */
async function main(): Promise<void> {
  const port = Number(process.env.SIM_PORT ?? 3979);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`SIM_PORT must be a port number, got '${process.env.SIM_PORT}'\n`);
    process.exit(2);
  }
  const sim = await startSimulator({ port, cycleIntervalMs: 15_000 });
  process.stdout.write(`CTS simulator listening on ${sim.url}\n${JSON.stringify(sim.estate(), null, 2)}\n`);
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    process.stdout.write(`${signal}: stopping the simulator\n`);
    void sim.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  process.stderr.write(`simulator failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
