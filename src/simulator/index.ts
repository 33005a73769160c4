import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../domain/clock';
import { runCycle } from './engine';
import { estateConfig, type EstateConfig } from './estateConfig';
import { createServer, type ServerContext } from './server';
import { SimState, type TenantSwitches } from './state';

/**
 * The CTS simulator: a Microsoft Graph v1.0 look-alike for several tenants on loopback, backed by a model of the
 * provisioning engine, plus a control API under /_sim. See src/simulator/README.md.
 */

export { DEMO } from './demoIds';
export type { EstateConfig } from './estateConfig';
export type { TenantSwitches } from './state';

export interface SimulatorOptions {
  host?: string;
  port?: number;
  seed?: number;
  /** Automatic engine cycles for every job; null = only on demand through the control API (tests). */
  cycleIntervalMs?: number | null;
  clock?: { now(): number };
  estate?: 'demo' | 'small';
  pageSize?: number;
  /** Per-tenant fidelity switches, e.g. `{ [homeTenantId]: { limitedDirectoryRoles: true } }` (kept across resets). */
  switches?: Record<string, Partial<TenantSwitches>>;
  /** Retry-After seconds on injected 429/503 faults. Default 1. */
  retryAfterSeconds?: number;
}

export interface RunningSimulator {
  url: string;
  estate(): EstateConfig;
  close(): Promise<void>;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const clock: Pick<Clock, 'now'> = opts.clock ?? systemClock;
  const state = new SimState(opts.seed ?? 42, opts.estate ?? 'demo', clock, opts.switches);
  let url = '';
  const ctx: ServerContext = { state, url: () => url, pageSize: opts.pageSize ?? 10, retryAfterSeconds: opts.retryAfterSeconds ?? 1 };
  const server = createServer(ctx);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  url = `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`;

  let timer: NodeJS.Timeout | undefined;
  if (opts.cycleIntervalMs !== null && opts.cycleIntervalMs !== undefined) {
    timer = setInterval(() => {
      for (const job of state.world.jobs.values()) runCycle(state.engine, job);
    }, opts.cycleIntervalMs);
    timer.unref();
  }

  return {
    url,
    estate: () => estateConfig(state.world, url),
    close: async () => {
      if (timer) clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
