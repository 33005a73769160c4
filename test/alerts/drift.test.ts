import { ManualClock } from '../../src/domain/clock';
import { GraphError } from '../../src/graph/errors';
import { createCtsGraph } from '../../src/graph/gateway';
import { SIMULATOR_BOT_APP_ID } from '../../src/graph/permissions';
import { Configurations } from '../../src/services/configurations';
import { Doctor } from '../../src/services/doctor';
import { DriftWatch } from '../../src/services/driftWatch';
import { Outbox } from '../../src/services/outbox';
import { renderAlert } from '../../src/teams/alertCards';
import { DEMO } from '../../src/simulator';
import { buttons, cardOf, cardText, type Place } from '../harness/activities';
import { click } from './helpers';
import { BotUnderTest, CONTOSO, MEGAN } from '../harness/bot';
import type { ConnectorCall } from '../harness/connector';
import type { AppRoleAssignment, ServicePrincipal, User } from '@microsoft/microsoft-graph-types';
import type { Page } from '../harness/json';
import { SimControl } from '../harness/sim';

const C2F = DEMO.configurations.contosoToFabrikam;
const FABRIKAM = DEMO.tenants.fabrikam.id;
const OPS_CHAT: Place = { kind: 'groupChat', conversationId: '19:drift-ops@thread.v2' };
const CHAT_ID = OPS_CHAT.kind === 'groupChat' ? OPS_CHAT.conversationId : '';
const SYNC_POLICY = `/policies/crossTenantAccessPolicy/partners/${CONTOSO}/identitySynchronization`;
const MINUTE = 60_000;

/** Drift cards (proactive posts naming the drift incident) in the ops chat. */
const driftPosts = (t: BotUnderTest): ConnectorCall[] =>
  t.connector.sentTo(CHAT_ID).filter((c) => c.kind === 'send' && /Alert \S+@drift@/.test(cardText(cardOf(c.body) ?? {})));

/**
 * Issue 13 drift alerts end to end: Graph changes through the simulator (with the directory audit log naming the
 * actor), the drift watch on the leader, the outbox, and cards captured by the Bot Connector stand-in.
 */
describe('drift alerts (simulator → drift watch → outbox → connector)', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 23, 9, 0, 0));
  const t = new BotUnderTest();
  let sim: SimControl;

  const check = async () => {
    clock.advance(MINUTE);
    return t.bot.drift.checkOnce();
  };

  beforeAll(async () => {
    await t.start({}, { clock, simulator: { cycleIntervalMs: null, clock } });
    sim = new SimControl(t.bot.simulator!.url);
    expect(cardText(await t.card(MEGAN, `subscribe alerts ${C2F.name}`, OPS_CHAT))).toContain('Subscribed');
  });
  afterAll(() => t.stop());

  beforeEach(async () => {
    // Every test starts from the demo estate and a baseline that matches it.
    await sim.control('POST', '/reset');
    await check();
    const open = (await t.bot.drift.record(C2F.name))?.alert;
    expect(open?.status ?? 'resolved').toBe('resolved');
  });

  it('the first check records the baseline and posts nothing', async () => {
    const record = await t.bot.drift.record(C2F.name);
    expect(record?.driftBaseline?.verdicts['target.syncAllowed|fabrikam']).toBe('pass');
    expect(record?.driftBaseline?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(record?.driftBaseline?.scopeSize).toBeGreaterThan(0);
    expect(driftPosts(t)).toHaveLength(0);
  });

  it('isSyncAllowed false with an actor → one card naming the setting and who; back to true → the same card resolved, no second post', async () => {
    const admin = (await sim.graph<Page<User>>(FABRIKAM, 'GET', '/users?$top=1')).value[0];
    const postsBefore = driftPosts(t).length;
    clock.advance(10_000);
    await sim.graph(FABRIKAM, 'PATCH', SYNC_POLICY, { userSyncInbound: { isSyncAllowed: false } }, { 'x-sim-actor': admin.userPrincipalName ?? '' });

    const opened = await check();
    expect(opened.events).toEqual([{ configuration: C2F.name, type: 'opened' }]);
    expect(opened.posted).toBe(1);
    const posts = driftPosts(t).slice(postsBefore);
    expect(posts).toHaveLength(1);
    const card = cardOf(posts[0].body);
    const text = cardText(card);
    expect(text).toContain('Setup drifted');
    expect(text).toContain('Fabrikam allows inbound sync from Contoso');
    expect(text).toContain('Was pass, now fail: userSyncInbound.isSyncAllowed is false.');
    expect(text).toContain(`Changed by ${admin.displayName} (${admin.userPrincipalName}) at `);
    expect(text).toContain('Allow users sync into this tenant'); // the doctor's fix sentence
    expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(28 * 1024);

    // Nothing changed: nothing is sent.
    expect(await check()).toMatchObject({ events: [], posted: 0, updated: 0 });

    // "Run doctor" posts the doctor's card for this configuration; the drift card is answered as it is.
    expect(buttons(card).map((b) => b.verb)).toEqual(['drift.doctor']);
    const sentBefore = t.connector.sentTo(CHAT_ID).length;
    const answer = await click(t, MEGAN, OPS_CHAT, posts[0].id, card, 'drift.doctor');
    expect(cardText(answer)).toContain('Setup drifted');
    const doctorCard = t.connector
      .sentTo(CHAT_ID)
      .slice(sentBefore)
      .map((c) => cardText(cardOf(c.body) ?? {}))
      .find((x) => x.startsWith('Doctor'));
    expect(doctorCard).toContain('Fabrikam allows inbound sync from Contoso');
    expect(doctorCard).toContain('userSyncInbound.isSyncAllowed is false.');

    await sim.graph(FABRIKAM, 'PATCH', SYNC_POLICY, { userSyncInbound: { isSyncAllowed: true } });
    const resolved = await check();
    expect(resolved.events).toEqual([{ configuration: C2F.name, type: 'resolved' }]);
    expect(resolved).toMatchObject({ posted: 0, updated: 1 });
    const last = t.connector.updatesOf(CHAT_ID, posts[0].id).at(-1)!;
    const lastText = cardText(cardOf(last.body));
    expect(lastText).toContain('Resolved: Setup drifted');
    expect(lastText).toMatch(/Passes again since/);
    expect(buttons(cardOf(last.body))).toEqual([]);
    expect(driftPosts(t).slice(postsBefore)).toHaveLength(1);
  });

  it('without AuditLog.Read.All the card says it could not name who changed it', async () => {
    const postsBefore = driftPosts(t).length;
    await sim.control('POST', `/tenants/${FABRIKAM}/bot-permissions`, { remove: ['AuditLog.Read.All'] });
    await sim.graph(FABRIKAM, 'PATCH', SYNC_POLICY, { userSyncInbound: { isSyncAllowed: false } });
    const opened = await check();
    expect(opened).toMatchObject({ events: [{ configuration: C2F.name, type: 'opened' }], posted: 1 });
    const text = cardText(cardOf(driftPosts(t).slice(postsBefore)[0].body));
    expect(text).toContain('Could not read who changed it (needs AuditLog.Read.All in Fabrikam).');
    await sim.graph(FABRIKAM, 'PATCH', SYNC_POLICY, { userSyncInbound: { isSyncAllowed: true } });
    expect((await check()).events).toEqual([{ configuration: C2F.name, type: 'resolved' }]);
  });

  it('scope growing by more than 20 % between checks → one card; the next check without growth resolves it', async () => {
    const postsBefore = driftPosts(t).length;
    const before = (await t.bot.drift.record(C2F.name))!.driftBaseline!.scopeSize!;
    const role = (await sim.graph<ServicePrincipal>(CONTOSO, 'GET', `/servicePrincipals/${C2F.servicePrincipalId}`)).appRoles?.[0]?.id;
    const assigned = new Set(
      (await sim.all<AppRoleAssignment>(CONTOSO, `/servicePrincipals/${C2F.servicePrincipalId}/appRoleAssignedTo`)).map((a) => a.principalId),
    );
    const users = (await sim.all<User>(CONTOSO, '/users')).filter((u) => !assigned.has(u.id));
    const add = Math.floor(before * 0.2) + 1;
    expect(users.length).toBeGreaterThanOrEqual(add);
    for (const u of users.slice(0, add)) {
      await sim.graph(CONTOSO, 'POST', `/servicePrincipals/${C2F.servicePrincipalId}/appRoleAssignedTo`, {
        principalId: u.id,
        resourceId: C2F.servicePrincipalId,
        appRoleId: role,
      });
    }
    const grew = await check();
    expect(grew).toMatchObject({ events: [{ configuration: C2F.name, type: 'opened' }], posted: 1 });
    const posts = driftPosts(t).slice(postsBefore);
    expect(posts).toHaveLength(1);
    expect(cardText(cardOf(posts[0].body))).toContain(`From ${before} to ${before + add} users (+`);

    const settled = await check();
    expect(settled).toMatchObject({ events: [{ configuration: C2F.name, type: 'resolved' }], posted: 0, updated: 1 });
    expect(cardText(cardOf(t.connector.updatesOf(CHAT_ID, posts[0].id).at(-1)!.body))).toContain('Resolved: Setup drifted');
  });

  it('a restart (a new drift watch on the same store) neither re-posts nor forgets the open incident', async () => {
    const postsBefore = driftPosts(t).length;
    await sim.graph(FABRIKAM, 'PATCH', SYNC_POLICY, { userSyncInbound: { isSyncAllowed: false } });
    expect((await check()).posted).toBe(1);
    const posted = driftPosts(t).slice(postsBefore)[0];

    const graph = t.bot.graph;
    const configs = new Configurations(t.bot.estate, graph);
    const restarted = new DriftWatch({
      configs,
      graph,
      doctor: new Doctor(configs, graph, { botAppId: () => SIMULATOR_BOT_APP_ID, clock }),
      storage: t.bot.storage,
      subscriptions: t.bot.subscriptions,
      outbox: new Outbox({ storage: t.bot.storage, sender: t.bot.notifier }),
      render: renderAlert,
      leader: { isLeader: () => true } as never,
      clock,
      checkMinutes: 1,
    });
    clock.advance(MINUTE);
    expect(await restarted.checkOnce()).toMatchObject({ events: [], posted: 0, updated: 0 });
    expect(driftPosts(t).slice(postsBefore)).toHaveLength(1);

    // The new instance resolves the card the old one posted.
    await sim.graph(FABRIKAM, 'PATCH', SYNC_POLICY, { userSyncInbound: { isSyncAllowed: true } });
    clock.advance(MINUTE);
    expect(await restarted.checkOnce()).toMatchObject({ events: [{ configuration: C2F.name, type: 'resolved' }], posted: 0, updated: 1 });
    expect(cardText(cardOf(t.connector.updatesOf(CHAT_ID, posted.id).at(-1)!.body))).toContain('Resolved: Setup drifted');
  });

  it('runs on its own every driftCheckMinutes on the one clock, and only on the leader', async () => {
    let leading = false;
    let runs = 0;
    const watch = new DriftWatch({
      configs: new Configurations(t.bot.estate, t.bot.graph),
      graph: t.bot.graph,
      doctor: { run: () => (runs++, Promise.resolve({ configurations: [], worst: 'pass' as const, counts: { pass: 0, warn: 0, fail: 0, unknown: 0 } })) },
      storage: t.bot.storage,
      subscriptions: t.bot.subscriptions,
      outbox: new Outbox({ storage: t.bot.storage, sender: t.bot.notifier }),
      render: renderAlert,
      leader: { isLeader: () => leading } as never,
      clock,
      checkMinutes: 1,
    });
    watch.start();
    clock.advance(MINUTE - 1);
    await new Promise((r) => setImmediate(r));
    expect(runs).toBe(0);
    clock.advance(1);
    await new Promise((r) => setImmediate(r));
    expect(runs).toBe(0); // not the leader: the tick does nothing
    leading = true;
    clock.advance(MINUTE);
    await new Promise((r) => setImmediate(r));
    expect(runs).toBe(1);
    await watch.stop();
    clock.advance(5 * MINUTE);
    await new Promise((r) => setImmediate(r));
    expect(runs).toBe(1);
  });
});

describe('drift alerts: a directory audit read that fails for now is asked again', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 23, 9, 0, 0));
  const t = new BotUnderTest();
  let sim: SimControl;
  let auditFailures = 1;

  beforeAll(async () => {
    await t.start(
      {},
      {
        clock,
        simulator: { cycleIntervalMs: null, clock },
        // The directory audit log answers 503 once (not a missing permission), then works.
        graph: (estate) => {
          const real = createCtsGraph(estate);
          const read = real.directoryAudits!.bind(real);
          real.directoryAudits = (tenantId, query) => {
            if (auditFailures-- > 0) return Promise.reject(new GraphError({ operation: 'read the directory audit log', status: 503 }));
            return read(tenantId, query);
          };
          return real;
        },
      },
    );
    sim = new SimControl(t.bot.simulator!.url);
    expect(cardText(await t.card(MEGAN, `subscribe alerts ${C2F.name}`, OPS_CHAT))).toContain('Subscribed');
  });
  afterAll(() => t.stop());

  it('names the actor at the next check instead of storing "could not read" for good', async () => {
    clock.advance(MINUTE);
    await t.bot.drift.checkOnce();
    const admin = (await sim.graph<Page<User>>(FABRIKAM, 'GET', '/users?$top=1')).value[0];
    clock.advance(10_000);
    await sim.graph(FABRIKAM, 'PATCH', SYNC_POLICY, { userSyncInbound: { isSyncAllowed: false } }, { 'x-sim-actor': admin.userPrincipalName ?? '' });
    clock.advance(MINUTE);
    await t.bot.drift.checkOnce();
    const first = (await t.bot.drift.record(C2F.name))?.alert?.drift?.items ?? [];
    expect(first.map((i) => i.actor)).toEqual([undefined]);
    clock.advance(MINUTE);
    await t.bot.drift.checkOnce();
    const second = (await t.bot.drift.record(C2F.name))?.alert?.drift?.items ?? [];
    expect(second.map((i) => i.actor)).toEqual([expect.objectContaining({ known: true, name: `${admin.displayName} (${admin.userPrincipalName})` })]);
  });
});
