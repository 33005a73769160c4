import restify from 'restify';
import type { Activity, TurnContext } from 'botbuilder';
import { z } from 'zod';
import { isLoopbackUrl } from './config/net';
import type { Logger } from './logger';
import { InboundAuthError, type BotAdapter } from './teams/adapter';

export interface Health {
  /** 'unhealthy' is answered with 503 (the platform's probe restarts or routes around the instance). */
  status: 'ok' | 'unhealthy';
  mode: 'simulator' | 'graph';
  version: string;
  simulatorUrl?: string;
  [detail: string]: unknown;
}

export interface ServerOptions {
  host: string;
  port: number;
  adapter: Pick<BotAdapter, 'receive'>;
  /**
   * No app id: requests are not authenticated, so only loopback may be trusted — an activity whose serviceUrl (where
   * replies go) is anywhere else is refused.
   */
  anonymous: boolean;
  /** Runs one turn (the teams-ai Application's `run`). */
  onTurn: (context: TurnContext) => Promise<unknown>;
  health: () => Health | Promise<Health>;
  logger: Logger;
  /** Further GET endpoints (e.g. the audit export download). */
  routes?: HttpRoute[];
}

/** A plain GET endpoint: it gets the query string and answers status, headers and a text body. */
export interface HttpRoute {
  path: string;
  handle(query: URLSearchParams): Promise<{ status: number; headers: Record<string, string>; body: string }>;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The HTTP host: Bot Framework activities on /api/messages and a health probe. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const server = restify.createServer({ name: 'cts-ops-bot', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ maxBodySize: 1024 * 1024, mapParams: false }));

  server.post('/api/messages', async (req, res) => {
    const refuse = (status: number, error: string, message: string) => {
      if (!res.headersSent) res.send(status, { error, message });
    };
    // Only JSON: a form or text body is a CORS "simple request", which any web page in a browser on this machine
    // could send without asking.
    if (mediaType(req.headers['content-type']) !== 'application/json') {
      return refuse(415, 'unsupported_media_type', 'Send the activity as application/json.');
    }
    const parsed = InboundActivity.safeParse(req.body);
    if (!parsed.success) return refuse(400, 'bad_activity', 'The body is not a Bot Framework activity (it needs a "type").');
    if (options.anonymous && parsed.data.serviceUrl !== undefined && !isLoopbackUrl(parsed.data.serviceUrl)) {
      return refuse(403, 'service_url_refused', 'Without MicrosoftAppId this bot answers only a loopback serviceUrl.');
    }
    const header = req.headers.authorization;
    try {
      const invoke = await options.adapter.receive(
        typeof header === 'string' ? header : '',
        fixTimestamps(req.body as Record<string, unknown>) as unknown as Activity,
        async (context) => {
          await options.onTurn(context);
        },
      );
      if (invoke?.body !== undefined) res.send(invoke.status ?? 200, invoke.body);
      else res.send(invoke?.status ?? 200);
    } catch (err) {
      // Never the library's words to the caller (they name the OpenID URL, the key ids, the clock check).
      if (err instanceof InboundAuthError) {
        options.logger.warn(
          { err: err.cause, status: err.status },
          err.status === 401 ? 'request refused: authentication failed' : 'request refused: signing keys unavailable',
        );
        return err.status === 401
          ? refuse(401, 'unauthorized', 'The request is not authenticated.')
          : refuse(503, 'auth_unavailable', 'The request could not be authenticated just now; try again.');
      }
      options.logger.error({ err }, 'failed to process activity');
      refuse(500, 'internal_error', 'internal error');
    }
  });

  server.get('/healthz', async (_req, res) => {
    const health = await options.health();
    res.send(health.status === 'ok' ? 200 : 503, health);
  });

  for (const route of options.routes ?? []) {
    server.get(route.path, async (req, res) => {
      try {
        const answer = await route.handle(new URL(req.url ?? '/', 'http://localhost').searchParams);
        res.writeHead(answer.status, { ...answer.headers, 'Content-Length': Buffer.byteLength(answer.body) });
        res.end(answer.body);
      } catch (err) {
        options.logger.error({ err, path: route.path }, 'request failed');
        if (!res.headersSent) res.send(500, { error: 'internal error' });
      }
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
}

/** The least an activity must have before it reaches the adapter; the rest is the adapter's and the routes' to check. */
const InboundActivity = z
  .object({
    type: z.string().min(1).max(64),
    serviceUrl: z.string().max(2048).optional(),
  })
  .passthrough();

function mediaType(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return (value ?? '').split(';')[0].trim().toLowerCase();
}

/** What botbuilder's own `process` does before a turn: ISO timestamps become Dates (the raw text is kept). */
function fixTimestamps(activity: Record<string, unknown>): Record<string, unknown> {
  for (const field of ['timestamp', 'expiration', 'localTimestamp'] as const) {
    const value = activity[field];
    if (typeof value === 'string') {
      activity[`raw${field[0].toUpperCase()}${field.slice(1)}`] = value;
      activity[field] = new Date(value);
    }
  }
  return activity;
}
