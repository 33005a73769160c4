import http from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A local stand-in for the Bot Connector service at the activity's `serviceUrl`: it records every activity the bot
 * sends, updates or creates, answers like the real service, and can be told to fail for a conversation.
 */
export interface ConnectorCall {
  method: 'POST' | 'PUT';
  kind: 'reply' | 'send' | 'update' | 'createConversation';
  conversationId: string;
  activityId?: string;
  replyToId?: string;
  body: any;
  /** The id the connector assigned (for sends and replies) or the updated id. */
  id: string;
}

export interface FailureRule {
  conversationId: string;
  status: number;
  /** How many times to fail before succeeding again; Infinity = always. */
  times: number;
  retryAfterSeconds?: number;
  code?: string;
}

export class ConnectorStandIn {
  readonly calls: ConnectorCall[] = [];
  private server?: http.Server;
  private seq = 0;
  private failures: FailureRule[] = [];
  private waiters: { predicate: () => boolean; resolve: () => void }[] = [];
  url = '';

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  failFor(rule: FailureRule): void {
    this.failures.push({ ...rule });
  }

  /** Activities sent into a conversation (replies and sends), oldest first. */
  sentTo(conversationId: string): ConnectorCall[] {
    return this.calls.filter((c) => c.conversationId === conversationId && (c.kind === 'reply' || c.kind === 'send'));
  }

  updatesOf(conversationId: string, activityId?: string): ConnectorCall[] {
    return this.calls.filter((c) => c.kind === 'update' && c.conversationId === conversationId && (!activityId || c.activityId === activityId));
  }

  /** Resolves when the predicate holds after some call arrives (or at once). Rejects after `ms` with what was seen. */
  waitFor(predicate: (calls: ConnectorCall[]) => boolean, ms = 10000): Promise<void> {
    if (predicate(this.calls)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`connector: condition not met within ${ms} ms; calls: ${JSON.stringify(this.calls.map((c) => [c.kind, c.conversationId, c.body?.text ?? c.body?.attachments?.[0]?.contentType]))}`));
      }, ms);
      const waiter = {
        predicate: () => predicate(this.calls),
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? JSON.parse(text) : undefined;
      const url = new URL(req.url ?? '/', 'http://x');
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      // v3/conversations[/{conversationId}/activities[/{activityId}]]
      if (parts[0] !== 'v3' || parts[1] !== 'conversations') return this.reply(res, 404, { error: { code: 'NotFound', message: url.pathname } });
      const conversationId = parts[2];
      const fail = conversationId ? this.failures.find((f) => f.conversationId === conversationId && f.times > 0) : undefined;
      if (fail) {
        fail.times -= 1;
        const headers: Record<string, string> = fail.retryAfterSeconds !== undefined ? { 'Retry-After': String(fail.retryAfterSeconds) } : {};
        return this.reply(res, fail.status, { error: { code: fail.code ?? 'Failure', message: 'injected by test' } }, headers);
      }
      let call: ConnectorCall;
      if (!conversationId && req.method === 'POST') {
        const id = `conv-${++this.seq}`;
        call = { method: 'POST', kind: 'createConversation', conversationId: id, body, id };
      } else if (req.method === 'PUT') {
        call = { method: 'PUT', kind: 'update', conversationId, activityId: parts[4], body, id: parts[4] };
      } else {
        const id = `act-${++this.seq}`;
        call = { method: 'POST', kind: parts[4] ? 'reply' : 'send', conversationId, replyToId: parts[4], body, id };
      }
      this.calls.push(call);
      this.reply(res, call.kind === 'update' ? 200 : 201, { id: call.id });
      for (const w of [...this.waiters]) if (w.predicate()) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve();
      }
    });
  }

  private reply(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }
}
