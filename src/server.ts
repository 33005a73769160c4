import restify from 'restify';
import type { TeamsAdapter } from '@microsoft/teams-ai';
import type { TurnContext } from 'botbuilder';
import type { Logger } from './logger';

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
  adapter: TeamsAdapter;
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
    try {
      await options.adapter.process(req, res, async (context) => {
        await options.onTurn(context);
      });
    } catch (err) {
      // The adapter answers 401 itself for a bad token; anything else is ours: no details to the caller.
      options.logger.error({ err }, 'failed to process activity');
      if (!res.headersSent) res.send(500, { error: 'internal error' });
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
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
