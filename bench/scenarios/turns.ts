import { cardOf, cardText, message, post } from '../../test/harness/activities';
import { CONTOSO, MEGAN } from '../../test/harness/bot';
import { ConnectorStandIn } from '../../test/harness/connector';
import type { BenchContext } from '../context';
import { startEchoBot } from '../echo';
import { Child } from '../procs';
import { round } from '../stats';

export interface TurnsResult {
  clients: number;
  secondsPerTarget: number;
  echoPerSec: number;
  helpPerSec: number;
  statusPerSec: number;
  ratioHelpToEcho: number;
  ratioStatusToEcho: number;
  /** Turns that did not answer 200 (counted, not in the rates). */
  errors: number;
  botLogLevel: string;
}

interface Endpoint {
  url: string;
  stop(): Promise<void>;
}

/**
 * Turn throughput over real HTTP: `clients` concurrent clients post messages to /api/messages for a fixed time, each
 * waiting for its turn to finish (the adapter answers after the reply reached the connector stand-in). The echo bot
 * and ours run in processes of their own with the same adapter and host; rounds alternate the targets so load from
 * the rest of the machine falls on all of them alike.
 */
export async function turnsScenario(ctx: BenchContext): Promise<TurnsResult> {
  const o = ctx.opts.turns;
  const connector = await new ConnectorStandIn().start();
  // Replies are not kept: at a few hundred turns a second they would fill memory.
  const drain = setInterval(() => connector.calls.splice(0), 200);
  const logLevel = process.env.BENCH_BOT_LOG_LEVEL ?? 'warn';
  const estateFile = ctx.estateFile({ configurations: 3, pollIntervalSeconds: 60 });
  let echo: Endpoint | undefined;
  let bot: Endpoint | undefined;
  try {
    if (ctx.opts.children) {
      // BENCH_TURNS_PROFILE_DIR=<dir>: the echo bot and the bot run under `node --cpu-prof` (a profile each, on exit).
      const profileDir = process.env.BENCH_TURNS_PROFILE_DIR;
      const profileArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
      const e = await Child.start('echo bot', 'bench/child.ts', ['echo'], {}, /READY (\S+)/, undefined, profileArgs);
      echo = { url: e.match[1], stop: () => e.child.stop() };
      const b = await Child.start(
        'bot',
        'src/index.ts',
        [],
        { HOST: '127.0.0.1', PORT: '0', DATA_DIR: ctx.dataDir(), LOG_LEVEL: logLevel, MONITOR: 'on', CTS_CONFIG: estateFile },
        /listening on (http:\/\/\S+)\/api\/messages/,
        undefined,
        profileArgs,
      );
      bot = { url: b.match[1], stop: () => b.child.stop() };
    } else {
      const e = await startEchoBot();
      echo = { url: e.url, stop: () => e.close() };
      const running = await ctx.bot(estateFile, { MONITOR: 'on' });
      bot = { url: running.url, stop: () => running.close() };
    }
    const say = async (url: string, text: string, client: number) =>
      post(url, message({ text, user: MEGAN, tenantId: CONTOSO, serviceUrl: connector.url, place: { kind: 'personal', conversationId: `a:bench-${client}` } }));

    // `status` is measured as served from the monitor's reading: wait until the monitor has polled.
    const deadline = Date.now() + 60_000;
    for (;;) {
      connector.calls.splice(0);
      await say(bot.url, 'status', 0);
      const text = connector.calls.map((c) => cardText(cardOf(c.body) ?? {})).join('\n');
      if (text.includes("monitor's regular poll")) break;
      if (Date.now() > deadline) throw new Error(`status never came from the monitor's reading: ${text.slice(0, 400)}`);
      await new Promise((r) => setTimeout(r, 250));
    }

    let errors = 0;
    const run = async (url: string, text: string, seconds: number): Promise<number> => {
      const end = Date.now() + seconds * 1000;
      let turns = 0;
      const started = Date.now();
      await Promise.all(
        Array.from({ length: o.clients }, async (_, client) => {
          while (Date.now() < end) {
            const res = await say(url, text, client);
            if (res.status === 200 || res.status === 201) turns++;
            else errors++;
          }
        }),
      );
      return turns / ((Date.now() - started) / 1000);
    };
    const targets = [
      { key: 'echo', url: echo.url, text: 'hello' },
      { key: 'help', url: bot.url, text: 'help' },
      { key: 'status', url: bot.url, text: 'status' },
    ] as const;
    // Warm-up (JIT, connections, role cache), not counted.
    for (const t of targets) await run(t.url, t.text, Math.min(1, o.seconds));
    errors = 0;
    const sums = { echo: 0, help: 0, status: 0 };
    for (let r = 0; r < o.rounds; r++) for (const t of targets) sums[t.key] += await run(t.url, t.text, o.seconds);
    const per = (k: keyof typeof sums) => sums[k] / Math.max(1, o.rounds);
    const echoPerSec = per('echo');
    return {
      clients: o.clients,
      secondsPerTarget: o.seconds * o.rounds,
      echoPerSec: round(echoPerSec, 1),
      helpPerSec: round(per('help'), 1),
      statusPerSec: round(per('status'), 1),
      ratioHelpToEcho: round(echoPerSec ? per('help') / echoPerSec : 0),
      ratioStatusToEcho: round(echoPerSec ? per('status') / echoPerSec : 0),
      errors,
      botLogLevel: ctx.opts.children ? logLevel : 'silent',
    };
  } finally {
    clearInterval(drain);
    await bot?.stop();
    await echo?.stop();
    await connector.stop();
  }
}
