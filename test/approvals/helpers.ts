import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Storage } from 'botbuilder';
import { loadConfig } from '../../src/config';
import { startBot, type BotOverrides, type RunningBot } from '../../src/index';
import { createLogger } from '../../src/logger';
import { startSimulator, type RunningSimulator } from '../../src/simulator';
import { DEMO } from '../../src/simulator/demoIds';
import { buttons as anyButtons, cardAction, cardOf, cardText, message, post, type InvokeResponseBody, type Place, type TestUser } from '../harness/activities';
import type { AdaptiveCard, CardButton, CardElement } from '../harness/cardTypes';
import type { ConnectorStandIn } from '../harness/connector';

export const CONTOSO = DEMO.tenants.contoso.id;
export const FABRIKAM = DEMO.tenants.fabrikam.id;
export const C2F = DEMO.configurations.contosoToFabrikam;
export const APPROVERS_CHANNEL: Place = { kind: 'channel', teamId: '19:cts-team@thread.tacv2', channelId: '19:cts-approvers@thread.tacv2' };
export const APPROVERS_KEY = '19:cts-approvers@thread.tacv2';
export const personalKey = (u: TestUser) => `a:personal-${u.aadObjectId}`;

/** Graph request log of the simulator. */
export async function simRequests(sim: { url: string }): Promise<{ tenantId: string; method: string; path: string; status: number; requestId: string }[]> {
  const res = await fetch(`${sim.url}/_sim/requests`);
  return ((await res.json()) as { requests: { tenantId: string; method: string; path: string; status: number; requestId: string }[] }).requests;
}

export const assignmentPosts = async (sim: { url: string }, spId: string = C2F.servicePrincipalId) =>
  (await simRequests(sim)).filter((r) => r.method === 'POST' && r.path.toLowerCase().includes(`/serviceprincipals/${spId}/approleassignedto`));
export const assignmentDeletes = async (sim: { url: string }, spId: string = C2F.servicePrincipalId) =>
  (await simRequests(sim)).filter((r) => r.method === 'DELETE' && r.path.toLowerCase().includes(`/serviceprincipals/${spId}/approleassignedto`));

/** Sends text; returns the first card the bot answered with in that conversation, and its activity id. */
export async function say(
  bot: RunningBot,
  connector: ConnectorStandIn,
  user: TestUser,
  text: string,
  place?: Place,
): Promise<{ card: AdaptiveCard; text: string; activityId: string }> {
  const activity = message({ text, user, tenantId: CONTOSO, serviceUrl: connector.url, place });
  const before = connector.calls.length;
  const res = await post(bot.url, activity);
  if (res.status !== 200 && res.status !== 201) throw new Error(`bot answered HTTP ${res.status}: ${JSON.stringify(res.body)}`);
  const call = connector.calls
    .slice(before)
    .find((c) => c.conversationId === activity.conversation.id && (c.kind === 'reply' || c.kind === 'send') && c.replyToId === activity.id && cardOf(c.body));
  const card = call && cardOf(call.body);
  if (!call || !card) throw new Error(`no card in reply to "${text}"`);
  return { card, text: cardText(card), activityId: call.id };
}

/** Clicks an Action.Execute button; returns the invoke's HTTP answer and the card in it. */
export async function click(
  bot: RunningBot,
  connector: ConnectorStandIn,
  user: TestUser,
  verb: string,
  data: Record<string, unknown>,
  replyToId = 'act-unknown',
  place?: Place,
): Promise<{ status: number; body: InvokeResponseBody | undefined; card: AdaptiveCard | undefined; text: string }> {
  const res = await post(bot.url, cardAction({ verb, data, user, tenantId: CONTOSO, serviceUrl: connector.url, replyToId, place }));
  const value = res.body?.value;
  const card = value && typeof value === 'object' ? value : undefined;
  return { ...res, card, text: card ? cardText(card) : '' };
}

export function requestIdIn(text: string): string {
  const m = /Request: (REQ-[0-9A-Z]{5})/.exec(text);
  if (!m) throw new Error(`no request id in: ${text}`);
  return m[1];
}

/** Every button's data on a card (Action.Execute, including those inside ShowCards and ActionSets), actions first. */
export function buttons(card: unknown): CardButton[] {
  const top = card && typeof card === 'object' ? (card as CardElement) : undefined;
  return [...anyButtons({ actions: top?.actions }), ...anyButtons({ body: top?.body })];
}

/** A standalone simulator with its estate written as a CTS_CONFIG file, so several bots (or restarts) share it. */
export class SharedEstate {
  sim!: RunningSimulator;
  dir = mkdtempSync(path.join(tmpdir(), 'cts-approvals-'));
  configFile = path.join(this.dir, 'estate.json');
  dataDir = path.join(this.dir, 'data');

  async start(): Promise<this> {
    this.sim = await startSimulator({ cycleIntervalMs: null });
    writeFileSync(this.configFile, JSON.stringify(this.sim.estate()));
    return this;
  }

  async bot(connector: ConnectorStandIn, storage: Storage, overrides: BotOverrides = {}): Promise<RunningBot> {
    const config = loadConfig({ PORT: '0', DATA_DIR: this.dataDir, LOG_LEVEL: 'silent', MONITOR: 'off', CTS_CONFIG: this.configFile });
    void connector;
    return startBot(config, { logger: createLogger('silent'), storage, ...overrides });
  }

  async stop(): Promise<void> {
    await this.sim?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
