import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small fault proxy on loopback in front of the simulator: every request is forwarded unchanged, except those a
 * queued fault matches, which are:
 *  - 'fail-before'   answered 503 + Retry-After without reaching the simulator (nothing applied);
 *  - 'apply-then-500' / 'apply-then-503' forwarded (applied), then answered 500 / 503 + Retry-After instead;
 *  - 'apply-then-reset' forwarded (applied), then the connection is destroyed without an answer.
 * Answers are passed on with the simulator's address in them replaced by the proxy's.
 */
export type ProxyFault = 'fail-before' | 'apply-then-500' | 'apply-then-503' | 'apply-then-reset';

export class FaultProxy {
  url = '';
  readonly injected: { fault: ProxyFault; method: string; path: string }[] = [];
  private readonly queue: { method: string; path: RegExp; fault: ProxyFault }[] = [];
  private server?: http.Server;

  constructor(private readonly target: string) {}

  /** The next request with this method whose path matches gets `fault` (once). */
  inject(method: string, path: RegExp, fault: ProxyFault): void {
    this.queue.push({ method, path, fault });
  }

  async start(): Promise<this> {
    const target = new URL(this.target);
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const i = this.queue.findIndex((q) => q.method === req.method && q.path.test(req.url ?? ''));
        const fault = i >= 0 ? this.queue.splice(i, 1)[0].fault : undefined;
        if (fault) this.injected.push({ fault, method: req.method ?? '', path: req.url ?? '' });
        if (fault === 'fail-before') {
          res.writeHead(503, { 'Retry-After': '0', 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'ServiceUnavailable', message: 'injected before applying' } }));
          return;
        }
        const upstream = http.request(
          { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
          (up) => {
            const body: Buffer[] = [];
            up.on('data', (c: Buffer) => body.push(c));
            up.on('end', () => {
              if (fault === 'apply-then-reset') return req.socket.destroy();
              if (fault === 'apply-then-500' || fault === 'apply-then-503') {
                res.writeHead(fault === 'apply-then-500' ? 500 : 503, {
                  'Retry-After': '0',
                  'Content-Type': 'application/json',
                  'request-id': 'proxy-injected',
                });
                res.end(JSON.stringify({ error: { code: 'InternalServerError', message: 'injected after applying' } }));
                return;
              }
              // Links the simulator builds (@odata.nextLink) name its own address: point them back at the proxy.
              const text = Buffer.concat(body).toString('utf8').split(this.target).join(this.url);
              const headers = { ...up.headers };
              delete headers['content-length'];
              res.writeHead(up.statusCode ?? 502, headers);
              res.end(text);
            });
          },
        );
        upstream.on('error', () => req.socket.destroy());
        upstream.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
