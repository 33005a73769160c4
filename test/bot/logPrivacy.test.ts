/**
 * Logs stay one JSON line each and do not carry what users typed (issue 11, defect 7): Graph operation names with
 * UPNs are scrubbed in retry warnings and error records, and botbuilder's multi-line console errors go through pino.
 */
import { Writable } from 'node:stream';
import { createCtsGraph } from '../../src/graph/gateway';
import { createLogger, routeConsole } from '../../src/logger';
import { parseAs } from '../harness/json';

function sink(): { stream: Writable; raw: string[] } {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      raw.push(String(chunk));
      done();
    },
  });
  return { stream, raw };
}

const lines = (raw: string[]) => raw.join('').split('\n').filter(Boolean);
/** One pino line: the fields these tests read. */
type LogLine = { level: number; msg?: string; err?: { message: string } };
const parseLine = (l: string) => parseAs<LogLine>(l);

describe('log privacy and shape', () => {
  it('a Graph retry warning names the operation without the UPN the user typed', async () => {
    const out = sink();
    const tenant = 'a5f2c9d1-3b7e-4c8a-9f16-2d4e8b0c7a31';
    let calls = 0;
    const fetch = () => {
      calls++;
      return Promise.resolve(
        calls === 1
          ? new Response(JSON.stringify({ error: { code: 'ServiceUnavailable', message: 'busy' } }), {
              status: 503,
              headers: { 'Retry-After': '0', 'Content-Type': 'application/json' },
            })
          : new Response(JSON.stringify({ value: [] }), { status: 200, headers: { 'Content-Type': 'application/json' } }),
      );
    };
    const graph = createCtsGraph(
      { tenants: [{ id: tenant, graphBaseUrl: 'http://127.0.0.1:9/t/v1.0' }] },
      { logger: createLogger('warn', out.stream), fetch: fetch, time: { sleep: () => Promise.resolve() } },
    );
    await graph.usersStartingWith(tenant, 'adele.vance@contoso.com', 3);
    const warns = lines(out.raw).map(parseLine);
    expect(warns.some((w) => w.msg === 'graph retry')).toBe(true);
    expect(out.raw.join('')).not.toContain('adele.vance');
    expect(out.raw.join('')).not.toContain('contoso.com');
  });

  it('error records lose addresses from message and stack', () => {
    const out = sink();
    const logger = createLogger('info', out.stream);
    logger.error({ err: new Error('Could not look up the user with mail megan@contoso.onmicrosoft.com: 404') }, 'command failed');
    const [line] = lines(out.raw).map(parseLine);
    expect(line.err?.message).toBe('Could not look up the user with mail [address]: 404');
    expect(JSON.stringify(line)).not.toContain('megan@');
  });

  it('console errors (botbuilder writes multi-line ones) become one JSON line each, and the console is restored', () => {
    const out = sink();
    const original = console.error;
    const restore = routeConsole(createLogger('info', out.stream));
    try {
      console.error('Error finding key for token. Available keys: -----BEGIN RSA PUBLIC KEY-----\nMIIBCgKCAQEA\n-----END RSA PUBLIC KEY-----');
      console.error(new Error('jwt expired\n  at somewhere'));
      console.warn('BadRequest: Missing activity or activity type.');
    } finally {
      restore();
    }
    const all = lines(out.raw);
    expect(all).toHaveLength(3);
    const parsed = all.map(parseLine);
    expect(parsed.map((p) => p.level)).toEqual([50, 50, 40]);
    expect(parsed[1].err?.message).toContain('jwt expired');
    expect(console.error).toBe(original);
  });
});
