/**
 * `npm run dev`: the bot on the demo estate (embedded simulator) and an Agents Playground pointed at it, as Megan
 * Bowen. Prints the address to open. PORT moves the bot; `npm run dev -- adele` opens the Playground as someone else.
 * Ctrl-C stops both.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { DEFAULT_PORT, parsePlaygroundConfig, playgroundConfigAs, PLAYGROUND_CONFIG_PATH } from './playground-as';
import { readFileSync } from 'node:fs';

const ROOT = path.resolve(__dirname, '..');
const who = process.argv[2] ?? 'megan';
const botPort = process.env.PORT?.trim() || '3978';
const { slot, user } = playgroundConfigAs(parsePlaygroundConfig(readFileSync(PLAYGROUND_CONFIG_PATH, 'utf8')), who);
const playgroundPort = DEFAULT_PORT + slot;
const tsNode = ['--disable-warning=DEP0111', '-r', 'ts-node/register/transpile-only'];
const children: ChildProcess[] = [];

function run(args: string[], env: NodeJS.ProcessEnv, onLine?: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, [...tsNode, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  child.stdout.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    for (const line of chunk.toString().split('\n')) onLine?.(line);
  });
  child.on('exit', (code) => {
    for (const c of children) if (c !== child && c.exitCode === null) c.kill('SIGTERM');
    process.exitCode = code ?? 1;
  });
  return child;
}

let started = false;
run(['src/index.ts'], { PORT: botPort, CTS_CONFIG: '' }, (line) => {
  if (started || !/listening on/.test(line)) return;
  started = true;
  run(
    ['scripts/playground-as.ts', who, '-p', String(playgroundPort)],
    { BOT_ENDPOINT: `http://localhost:${botPort}/api/messages`, TEAMSAPPTESTER_BROWSER: process.env.TEAMSAPPTESTER_BROWSER ?? 'none' },
    (l) => {
      if (/Listening on/.test(l))
        console.log(`\n  Open http://localhost:${playgroundPort} to chat with CTS Ops as ${user.name}. Type "help". Ctrl-C stops both.\n`);
    },
  );
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => children.forEach((c) => c.kill(signal)));
