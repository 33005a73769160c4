import http from 'node:http';
import { AddressInfo } from 'node:net';
import type { SentActivity } from './cardTypes';

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
  body: SentActivity;
  /** The id the connector assigned (for sends and replies) or the updated id. */
  id: string;
  /** When it arrived (Date.now()), for the bench's latency and fan-out timings. */
  at?: number;
}

/** At most `count` requests in any `ms` window (Teams' documented bot limits: reference/teams-bots.md). */
export interface ConnectorRateLimit {
  count: number;
  ms: number;
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
  private limits?: { perConversation: readonly ConnectorRateLimit[]; global: readonly ConnectorRateLimit[]; sent: Map<string, number[]>; all: number[] };
  /** Requests answered 429 by enforceRateLimits. */
  throttled = 0;
  url = '';

  /**
   * Answers 429 (Retry-After: 1) to a send, reply, update or create that would exceed a limit, as Teams does; only
   * accepted requests count towards the windows.
   */
  enforceRateLimits(perConversation: readonly ConnectorRateLimit[], global: readonly ConnectorRateLimit[]): void {
    this.limits = { perConversation, global, sent: new Map(), all: [] };
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
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
        reject(
          new Error(
            `connector: condition not met within ${ms} ms; calls: ${JSON.stringify(this.calls.map((c) => [c.kind, c.conversationId, c.body?.text ?? c.body?.attachments?.[0]?.contentType]))}`,
          ),
        );
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
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = (text ? JSON.parse(text) : {}) as SentActivity;
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
      if (this.limits) {
        const now = Date.now();
        const mine = this.limits.sent.get(conversationId ?? '') ?? [];
        const over = (times: number[], limits: readonly ConnectorRateLimit[]) => limits.some((l) => times.filter((t) => now - t < l.ms).length >= l.count);
        if (over(mine, this.limits.perConversation) || over(this.limits.all, this.limits.global)) {
          this.throttled++;
          return this.reply(res, 429, { error: { code: 'Throttled', message: 'rate limit (connector stand-in)' } }, { 'Retry-After': '1' });
        }
        const horizon = Math.max(...this.limits.perConversation.map((l) => l.ms), ...this.limits.global.map((l) => l.ms), 0);
        this.limits.sent.set(conversationId ?? '', [...mine.filter((t) => now - t < horizon), now]);
        this.limits.all = [...this.limits.all.filter((t) => now - t < horizon), now];
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
      call.at = Date.now();
      this.calls.push(call);
      this.reply(res, call.kind === 'update' ? 200 : 201, { id: call.id });
      for (const w of [...this.waiters])
        if (w.predicate()) {
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
