import { Client, HTTPMessageHandler, type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import { ManualClock } from '../../src/domain/clock';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator';

/**
 * The Graph client's AuthenticationHandler only attaches tokens to https Graph hosts (and https customHosts),
 * so against the http simulator we put a tiny bearer middleware in front of the normal HTTP handler.
 */
class AnyHostBearer implements Middleware {
  private next?: Middleware;
  constructor(private readonly token: string) {}
  async execute(context: Context): Promise<void> {
    context.options = context.options ?? {};
    const h = context.options.headers;
    if (h instanceof Headers) h.set('Authorization', `Bearer ${this.token}`);
    else context.options.headers = { ...(h as Record<string, string> | undefined), Authorization: `Bearer ${this.token}` };
    await this.next!.execute(context);
  }
  setNext(next: Middleware): void {
    this.next = next;
  }
}

export function graphFor(sim: RunningSimulator, tenantId: string): Client {
  const auth = new AnyHostBearer('any-token');
  auth.setNext(new HTTPMessageHandler());
  return Client.initWithMiddleware({ middleware: auth, baseUrl: `${sim.url}/${tenantId}`, defaultVersion: 'v1.0' });
}

/** The client treats only https URLs as absolute, so an http nextLink must be made relative to the version. */
export function relativeLink(sim: RunningSimulator, tenantId: string, link: string): string {
  const prefix = `${sim.url}/${tenantId}/v1.0`;
  if (!link.startsWith(prefix)) throw new Error(`unexpected nextLink ${link}`);
  return link.slice(prefix.length);
}

export async function control<T = unknown>(sim: RunningSimulator, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const r = await fetch(`${sim.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export async function withSim(opts: SimulatorOptions = {}): Promise<{ sim: RunningSimulator; clock: ManualClock }> {
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
  const sim = await startSimulator({ cycleIntervalMs: null, clock, ...opts });
  return { sim, clock };
}

/** The GraphError the client throws carries the HTTP status and Graph's error code. */
export async function graphError(p: Promise<unknown>): Promise<{ statusCode: number; code: string; headers?: Headers; body?: unknown }> {
  try {
    await p;
  } catch (e) {
    return e as { statusCode: number; code: string; headers?: Headers };
  }
  throw new Error('expected the Graph call to fail');
}
