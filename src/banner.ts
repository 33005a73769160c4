/** The bot's version and its start-up banner (what `npm start` prints). */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { RunningBot } from './index';

/** The nearest package.json above this file: ../ from src/ (ts-node), ../../ from dist/src/ (the production build). */
function packageVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
    if (path.dirname(dir) === dir) return '0.0.0';
  }
}

export const VERSION: string = packageVersion();

export function banner(bot: Pick<RunningBot, 'url' | 'simulator' | 'estate' | 'warnings'>): string {
  const lines = [
    '',
    `CTS Ops bot ${VERSION} listening on ${bot.url}/api/messages`,
    bot.simulator
      ? `Mode: embedded CTS simulator at ${bot.simulator.url} (no Azure needed). Configurations: ${bot.estate.configurations.map((c) => c.name).join(', ')}`
      : `Mode: Microsoft Graph. Configurations: ${bot.estate.configurations.map((c) => c.name).join(', ')}`,
    `Chat with it locally: npx agentsplayground -e ${bot.url.replace('127.0.0.1', 'localhost')}/api/messages -c msteams   (then type "help")`,
    `Health: ${bot.url}/healthz`,
    ...bot.warnings.map((w) => `WARNING: ${w}`),
    '',
  ];
  return lines.join('\n');
}
