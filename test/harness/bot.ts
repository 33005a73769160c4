import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { startBot, type BotOverrides, type RunningBot } from '../../src/index';
import { createLogger } from '../../src/logger';
import type { AdaptiveCard, SentActivity } from './cardTypes';
import { ConnectorStandIn } from './connector';
import { message, post, cardOf, type Place, type TestUser } from './activities';

export const CONTOSO = 'a5f2c9d1-3b7e-4c8a-9f16-2d4e8b0c7a31';
export const MEGAN: TestUser = { aadObjectId: 'e1c7a3f0-92b4-4d6e-8a15-7c3b9d2f4e61', name: 'Megan Bowen' };
export const ADELE: TestUser = { aadObjectId: 'f2d8b4a1-a3c5-4e7f-9b26-8d4cae305f72', name: 'Adele Vance' };
export const LEE: TestUser = { aadObjectId: '03e9c5b2-b4d6-4f80-8c37-9e5dbf416083', name: 'Lee Gu' };

/**
 * A real bot process-in-a-test: the HTTP server on an ephemeral port with the embedded simulator (no automatic
 * cycles), and a Bot Connector stand-in that receives the replies.
 */
export class BotUnderTest {
  bot!: RunningBot;
  connector = new ConnectorStandIn();
  dataDir = mkdtempSync(path.join(tmpdir(), 'cts-bot-'));

  async start(env: Record<string, string> = {}, overrides: BotOverrides = {}): Promise<this> {
    await this.connector.start();
    const config = loadConfig({ PORT: '0', DATA_DIR: this.dataDir, LOG_LEVEL: 'silent', MONITOR: 'off', ...env });
    // The "working on it" notice is wall-clock (Teams' own deadlines): on a loaded test machine a turn may pass 8 s, so
    // tests answer within a minute unless they are about slowness (test/operations/slowGraph.test.ts sets 50 ms).
    const answerWithinMs = { message: 60_000, invoke: 60_000 };
    this.bot = await startBot(config, { logger: createLogger('silent'), simulator: { cycleIntervalMs: null }, answerWithinMs, ...overrides });
    return this;
  }

  async stop(): Promise<void> {
    await this.bot?.close();
    await this.connector.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Sends text as `user` and returns the activities the bot sent back into that conversation. */
  async say(user: TestUser, text: string, place?: Place): Promise<SentActivity[]> {
    const activity = message({ text, user, tenantId: CONTOSO, serviceUrl: this.connector.url, place });
    const before = this.connector.calls.length;
    const res = await post(this.bot.url, activity);
    if (res.status !== 200 && res.status !== 201) throw new Error(`bot answered HTTP ${res.status}: ${JSON.stringify(res.body)}`);
    return this.connector.calls
      .slice(before)
      .filter((c) => c.conversationId === activity.conversation.id)
      .map((c) => c.body);
  }

  /** The first Adaptive Card the bot answered `text` with. */
  async card(user: TestUser, text: string, place?: Place): Promise<AdaptiveCard> {
    const replies = await this.say(user, text, place);
    const card = replies.map(cardOf).find(Boolean);
    if (!card) throw new Error(`no card in reply to "${text}": ${JSON.stringify(replies)}`);
    return card;
  }
}
