import type { TurnContext } from 'botbuilder';
import type { Logger } from '../logger';
import type { Clock } from '../domain/clock';

const KEY = Symbol('cts.turnLog');

interface TurnNote {
  command?: string;
  outcome?: string;
}

/** Routes say what the turn was (the command or verb) and how it ended; the one log line per turn is written once. */
export function noteTurn(context: TurnContext, note: TurnNote): void {
  const current = context.turnState.get<TurnNote | undefined>(KEY) ?? {};
  context.turnState.set(KEY, { ...current, ...note });
}

/** Wraps a turn: one structured line with activity type, command, latency and outcome. Never the text or a token. */
export async function loggedTurn(context: TurnContext, logger: Logger, clock: Clock, run: () => Promise<unknown>): Promise<void> {
  const started = clock.now();
  let failed = false;
  try {
    await run();
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    const note = context.turnState.get<TurnNote | undefined>(KEY) ?? {};
    const a = context.activity;
    const verb = (a.value as { action?: { verb?: unknown } } | undefined)?.action?.verb;
    logger.info(
      {
        activityType: a.type,
        command: note.command ?? (typeof verb === 'string' ? verb : (a.name ?? a.type)),
        latencyMs: clock.now() - started,
        outcome: failed ? 'failed' : (note.outcome ?? 'ok'),
        conversationType: a.conversation?.conversationType,
      },
      'turn',
    );
  }
}
