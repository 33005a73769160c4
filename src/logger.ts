import pino from 'pino';

export type Logger = pino.Logger;

/** Structured JSON logs. Secrets never reach them: authorization headers and passwords are redacted by path. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: ['req.headers.authorization', '*.authorization', '*.MicrosoftAppPassword', '*.password', '*.clientSecret', '*.token'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
