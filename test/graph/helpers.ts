import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../src/domain/clock';

/** Time that only moves when the code under test sleeps; timers fire when the test says so. */
export function fakeTime(start = Date.UTC(2026, 0, 1)) {
  let now = start;
  const sleeps: number[] = [];
  const timers = new Set<() => unknown>();
  const time: Clock = {
    now: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
    random: () => 0,
    setTimeout: (onFire) => {
      timers.add(onFire);
      return onFire;
    },
    clearTimeout: (handle) => void timers.delete(handle as () => void),
  };
  return {
    time,
    sleeps,
    advance: (ms: number) => (now += ms),
    now: () => now,
    /** Fires every armed timer (a request timing out right now). */
    fireTimers: () => {
      for (const t of [...timers]) {
        timers.delete(t);
        t();
      }
    },
  };
}

export interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type Reply = { status: number; headers?: Record<string, string>; body?: unknown } | 'hang';

/** A tiny Graph stand-in answering from a script, for exact failure sequences. */
export async function scriptedServer(reply: (req: Recorded, n: number) => Reply) {
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const rec = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      requests.push(rec);
      const r = reply(rec, requests.length);
      if (r === 'hang') return;
      const text = r.body === undefined ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
      res.writeHead(r.status, { ...(text ? { 'content-type': 'application/json' } : {}), ...r.headers });
      res.end(r.status === 204 ? undefined : text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    requests,
    baseUrl: `http://127.0.0.1:${port}/v1.0`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const TENANT = 'a5f2c9d1-3b7e-4c8a-9f16-2d4e8b0c7a31';
export const SP = '11111111-2222-4333-8444-555555555555';
export const JOB = 'Azure2Azure.abc123.11111111-2222-4333-8444-555555555555';

export function jobBody(code = 'Active', id = JOB) {
  return {
    id,
    templateId: 'Azure2Azure',
    schedule: { expiration: '0001-01-01T00:00:00Z', interval: 'PT40M', state: 'Active' },
    status: {
      code,
      countSuccessiveCompleteFailures: 0,
      escrowsPruned: false,
      lastExecution: null,
      lastSuccessfulExecution: null,
      lastSuccessfulExecutionWithExports: null,
      progress: [],
      quarantine: null,
      steadyStateFirstAchievedTime: '0001-01-01T00:00:00Z',
      steadyStateLastAchievedTime: '0001-01-01T00:00:00Z',
      synchronizedEntryCountByType: [],
      troubleshootingUrl: null,
    },
    synchronizationJobSettings: [],
  };
}
