import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseEstate, type Estate } from '../../src/config';
import { createCtsGraph } from '../../src/graph/gateway';
import { createLogger } from '../../src/logger';
import { Configurations } from '../../src/services/configurations';
import { Monitor, alertSubject } from '../../src/services/monitor';
import type { ConversationTarget } from '../../src/services/ports';
import { Subscriptions } from '../../src/services/subscriptions';
import { DEMO, startSimulator, type RunningSimulator } from '../../src/simulator';
import { AuditLog, FileStorage, SingleProcessLeader } from '../../src/store';
import { createAdapter } from '../../src/teams/adapter';
import { renderAlert } from '../../src/teams/alertCards';
import { CONVERSATION_LIMITS, GLOBAL_LIMITS, TeamsNotifier, adapterTransport, type ConnectorTransport } from '../../src/teams/notifier';
import { cardOf, cardText } from '../harness/activities';
import { CONTOSO, MEGAN } from '../harness/bot';
import { ConnectorStandIn } from '../harness/connector';
import { SimControl } from '../harness/sim';
import { VirtualTime, assertWithin, worstWindow } from './virtualTime';

const C2F = DEMO.configurations.contosoToFabrikam;
const N = 200;

/**
 * 200 subscribed conversations, one incident, a connector that throttles a share of the sends: every conversation
 * gets the alert exactly once, and the recorded send times (on the queue's injected clock) never pass Teams' limits.
 * Real HTTP all the way: Graph to the simulator through the gateway, sends through botbuilder to the stand-in.
 */
describe('alert fan-out to 200 conversations under throttling', () => {
  const connector = new ConnectorStandIn();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cts-alerts-scale-'));
  const logger = createLogger('silent');
  const time = new VirtualTime();
  const attempts: { key: string; at: number; kind: 'send' | 'update' }[] = [];
  let sim: RunningSimulator;
  let control: SimControl;
  let storage: FileStorage;
  let monitor: Monitor;
  let ids: string[];

  beforeAll(async () => {
    await connector.start();
    sim = await startSimulator({ cycleIntervalMs: null });
    control = new SimControl(sim.url);
    const parsed = parseEstate(sim.estate(), 'simulator');
    if (!parsed.ok) throw new Error('estate');
    const estate: Estate = parsed.estate;
    const graph = createCtsGraph(estate, { logger });
    storage = await FileStorage.open({ dir: dataDir });
    const subscriptions = new Subscriptions(storage, time, new AuditLog(storage, { clock: time }));
    const wire = adapterTransport(createAdapter({ appType: 'MultiTenant' }, logger), '', logger);
    // Stamp every attempt with the queue's clock as it leaves, failures included.
    const recording: ConnectorTransport = {
      send: (t, a) => (attempts.push({ key: t.key, at: time.now(), kind: 'send' }), wire.send(t, a)),
      update: (t, id, a) => (attempts.push({ key: t.key, at: time.now(), kind: 'update' }), wire.update(t, id, a)),
    };
    const notifier = new TeamsNotifier({ transport: recording, clock: time, logger, maxInFlight: 16 });
    const leader = new SingleProcessLeader();
    await leader.start();
    monitor = new Monitor({
      configs: new Configurations(estate, graph),
      graph,
      storage,
      subscriptions,
      notifier,
      render: renderAlert,
      leader,
      clock: time,
      logger,
    });

    ids = Array.from({ length: N }, (_, i) => `19:conv-${i}@thread.v2`);
    for (const id of ids) {
      const target: ConversationTarget = {
        key: id,
        kind: 'groupChat',
        reference: {
          serviceUrl: connector.url,
          channelId: 'msteams',
          conversation: { id, conversationType: 'groupChat', isGroup: true, tenantId: CONTOSO },
          bot: { id: '28:cts-ops-bot', name: 'CTS Ops' },
        },
      };
      await subscriptions.subscribe(target, 'alerts', 'all', MEGAN);
    }
    // A quarter of the conversations are throttled: half of those with Retry-After, half without (backoff).
    ids.forEach((id, i) => {
      if (i % 4 === 0)
        connector.failFor({ conversationId: id, status: 429, times: 1 + (i % 3), code: 'Throttled', retryAfterSeconds: i % 8 === 0 ? 1 : undefined });
    });
    expect(await monitor.pollOnce()).toMatchObject({ events: [], posted: 0 });
  }, 60_000);

  afterAll(async () => {
    await sim?.close();
    await storage?.close();
    await connector.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers the alert exactly once to each of 200 conversations within the per-conversation and global limits', async () => {
    await control.control('POST', `/tenants/${CONTOSO}/jobs/${encodeURIComponent(C2F.jobId)}/credentials`, { valid: false });
    await control.cycle(CONTOSO, C2F.jobId);
    const started = time.now();
    const report = await monitor.pollOnce();
    expect(report.events).toEqual([{ configuration: C2F.name, type: 'opened', kind: 'quarantine' }]);
    expect(report).toMatchObject({ posted: N, failed: 0, gone: 0 });
    for (const id of ids) expect(connector.sentTo(id)).toHaveLength(1);
    expect(cardText(cardOf(connector.sentTo(ids[7])[0].body))).toContain('Sync hit an error it cannot work around');

    const sends = attempts.filter((a) => a.kind === 'send');
    const throttled = ids.filter((_, i) => i % 4 === 0).reduce((n, _, k) => n + 1 + ((k * 4) % 3), 0);
    expect(sends).toHaveLength(N + throttled);
    assertWithin(
      sends.map((a) => a.at),
      GLOBAL_LIMITS,
      'all conversations (one tenant)',
    );
    for (const id of ids)
      assertWithin(
        sends.filter((a) => a.key === id).map((a) => a.at),
        CONVERSATION_LIMITS,
        id,
      );
    // 250-odd attempts at 50 per second take at least five seconds of (virtual) time.
    expect(time.now() - started).toBeGreaterThanOrEqual(Math.floor((sends.length - 1) / 50) * 1000);
    expect(
      worstWindow(
        sends.map((a) => a.at),
        1000,
      ),
    ).toBeLessThanOrEqual(50);
    // Retry-After was honoured: a conversation told to wait 1 s did.
    const waited = sends.filter((a) => a.key === ids[0]).map((a) => a.at);
    expect(waited[1] - waited[0]).toBeGreaterThanOrEqual(1000);

    // Polling the same state again sends nothing.
    expect(await monitor.pollOnce()).toMatchObject({ posted: 0, updated: 0 });
  }, 120_000);

  it('a send that keeps failing stays pending and goes out on the next poll; recovery updates all 200 cards in place', async () => {
    const late = '19:late@thread.v2';
    // Exhaust the queue's retries for one conversation (6 attempts), then recover.
    const subscriptions = (monitor as unknown as { deps: { subscriptions: Subscriptions } }).deps.subscriptions;
    await subscriptions.subscribe(
      {
        key: late,
        kind: 'groupChat',
        reference: { serviceUrl: connector.url, channelId: 'msteams', conversation: { id: late, tenantId: CONTOSO }, bot: { id: '28:cts-ops-bot' } },
      },
      'alerts',
      C2F.name,
      MEGAN,
    );
    connector.failFor({ conversationId: late, status: 503, times: 6, code: 'ServiceUnavailable' });
    const first = await monitor.pollOnce();
    expect(first).toMatchObject({ posted: 0, failed: 1 });
    const incident = (await monitor.record(C2F.name))!.alert!.incident.id;
    expect((await monitor.outbox.read(alertSubject(incident)))!.copies[late]).toMatchObject({
      state: 'pending',
      attempts: 1,
      lastError: 'HTTP 503 ServiceUnavailable',
    });
    expect(await monitor.pollOnce()).toMatchObject({ posted: 1, failed: 0 });
    expect(connector.sentTo(late)).toHaveLength(1);

    await control.control('POST', `/tenants/${CONTOSO}/jobs/${encodeURIComponent(C2F.jobId)}/credentials`, { valid: true });
    await control.cycle(CONTOSO, C2F.jobId);
    const before = attempts.length;
    const resolved = await monitor.pollOnce();
    expect(resolved.events.map((e) => e.type)).toEqual(['resolved']);
    expect(resolved).toMatchObject({ posted: 0, updated: N + 1 });
    for (const id of [...ids, late]) {
      expect(connector.sentTo(id)).toHaveLength(1);
      const updates = connector.updatesOf(id, connector.sentTo(id)[0].id);
      expect(cardText(cardOf(updates.at(-1)!.body))).toContain('Resolved: Sync hit an error');
    }
    const updates = attempts.slice(before);
    assertWithin(
      updates.map((a) => a.at),
      GLOBAL_LIMITS,
      'updates',
    );
  }, 120_000);
});
