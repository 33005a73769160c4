/** The process around the bot: config from the environment, the banner, telemetry, and a clean stop on signals. */
import { existsSync } from 'node:fs';
import { banner } from './banner';
import { ConfigError, formatProblems, loadConfig, type AppConfig } from './config';
import { routeConsole } from './logger';
import { startTelemetry } from './observability';
import { startBot, type RunningBot } from './index';

export async function main(): Promise<void> {
  // A local .env is a convenience for development; real deployments set the environment.
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: AppConfig;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`CTS Ops bot cannot start: the configuration has ${err.problems.length} problem(s):\n${formatProblems(err.problems)}\n`);
      process.exit(1);
    }
    throw err;
  }
  const telemetry = startTelemetry(config.telemetryConnectionString);
  let bot: RunningBot;
  try {
    bot = await startBot(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`CTS Ops bot cannot start:\n${formatProblems(err.problems)}\n`);
    } else {
      process.stderr.write(`CTS Ops bot cannot start: ${(err as Error).message}\n`);
    }
    process.exit(1);
  }
  // From here on every line on stdout/stderr is one JSON log line, botbuilder's console errors included.
  routeConsole(bot.logger);
  process.stdout.write(banner(bot));
  // SIGTERM (App Service, Container Apps, docker stop): stop taking turns, let the ones in flight finish, release the
  // leader lease so another instance leads at once, flush telemetry. A second signal, or 25 s, ends it anyway.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stdout.write(`${signal}: finishing turns in flight and releasing the leader lease\n`);
    setTimeout(() => process.exit(1), 25_000).unref();
    await bot.close().catch((err) => process.stderr.write(`shutdown: ${(err as Error).message}\n`));
    await telemetry.shutdown().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
