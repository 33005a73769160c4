import { format } from 'node:util';
import pino from 'pino';

export type Logger = pino.Logger;

const ADDRESS = /[^\s"'<>()[\]@,;:]+@[^\s"'<>()[\]@,;:]+\.[A-Za-z]{2,}/g;
const QUOTED = /"[^"\n]{1,200}"/g;

/**
 * Text that may carry what people typed (a Graph operation such as `look up the user with mail x@y`): addresses
 * (UPNs, mail) and quoted words become placeholders, so logs say what happened without whom it was about.
 */
export function scrubPersonal(text: string): string {
  return text.replace(ADDRESS, '[address]').replace(QUOTED, '"[text]"');
}

/**
 * Structured JSON logs, one line each. Secrets never reach them: authorization headers and passwords are redacted by
 * path; error messages and stacks lose addresses typed by users (see scrubPersonal).
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: ['req.headers.authorization', '*.authorization', '*.MicrosoftAppPassword', '*.password', '*.clientSecret', '*.token'],
        censor: '[redacted]',
      },
      serializers: {
        err: (err: unknown) => {
          const out = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
          if (!out || typeof out !== 'object') return out;
          for (const field of ['message', 'stack', 'operation'] as const) {
            if (typeof out[field] === 'string') out[field] = scrubPersonal(out[field]);
          }
          return out;
        },
      },
    },
    destination,
  );
}

/**
 * botbuilder and its dependencies write to the console (multi-line errors with stacks, key material): that breaks the
 * one-JSON-line log. Routes console.error/warn/info/log/debug through the logger, one line each; returns the undo.
 */
export function routeConsole(logger: Logger): () => void {
  const saved = { error: console.error, warn: console.warn, info: console.info, log: console.log, debug: console.debug };
  const to =
    (level: 'error' | 'warn' | 'info' | 'debug') =>
    (...args: unknown[]) => {
      const err = args.find((a): a is Error => a instanceof Error);
      const text = scrubPersonal(
        args
          .filter((a) => a !== err)
          .map((a) => (typeof a === 'string' ? a : format('%o', a)))
          .join(' '),
      ).slice(0, 2000);
      logger[level]({ source: 'console', ...(err ? { err } : {}) }, text || (err ? 'console error' : ''));
    };
  console.error = to('error');
  console.warn = to('warn');
  console.info = to('info');
  console.log = to('info');
  console.debug = to('debug');
  return () => Object.assign(console, saved);
}
