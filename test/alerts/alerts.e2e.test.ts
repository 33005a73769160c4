import { DEMO } from '../../src/simulator';
import { cardOf, cardText, post, message, type Place } from '../harness/activities';
import { ADELE, BotUnderTest, CONTOSO, MEGAN } from '../harness/bot';
import { SimControl, type TripDeletesAnswer } from '../harness/sim';
import { alertPosts, buttons, click, conversationIdOf } from './helpers';

const C2F = DEMO.configurations.contosoToFabrikam;
const C2N = DEMO.configurations.contosoToNorthwind;

const OPS_CHAT: Place = { kind: 'groupChat', conversationId: '19:ops-chat@thread.v2' };
const OPS_CHANNEL: Place = { kind: 'channel', teamId: '19:team@thread.tacv2', channelId: '19:alerts@thread.tacv2' };
const NORTHWIND_CHAT: Place = { kind: 'groupChat', conversationId: '19:northwind-only@thread.v2' };

describe('proactive alerts end to end (simulator → monitor → connector, buttons over /api/messages)', () => {
  const t = new BotUnderTest();
  let sim: SimControl;

  beforeAll(async () => {
    await t.start();
    sim = new SimControl(t.bot.simulator!.url);
    for (const place of [OPS_CHAT, OPS_CHANNEL]) {
      const text = cardText((await t.say(MEGAN, 'subscribe alerts all', place)).map(cardOf).find(Boolean));
      expect(text).toContain('Subscribed');
    }
    expect(cardText((await t.say(MEGAN, `subscribe alerts ${C2N.name}`, NORTHWIND_CHAT)).map(cardOf).find(Boolean))).toContain('Subscribed');
    // A healthy estate: the first poll opens nothing.
    const first = await t.bot.monitor.pollOnce();
    expect(first.events).toEqual([]);
    expect(first.posted).toBe(0);
  });
  afterAll(() => t.stop());

  it('lists the subscriptions of a conversation and refuses subscribe to someone without alerts.manage', async () => {
    const text = cardText((await t.say(MEGAN, 'subscriptions', OPS_CHAT)).map(cardOf).find(Boolean));
    expect(text).toContain('**Alerts** for all configurations · active');
    expect(text).toContain('By Megan Bowen');
    const lee = cardText(
      (await t.say({ aadObjectId: '03e9c5b2-b4d6-4f80-8c37-9e5dbf416083', name: 'Lee Gu' }, 'subscribe alerts all', OPS_CHAT)).map(cardOf).find(Boolean),
    );
    expect(lee).toContain('Not allowed');
    expect(lee).toContain('alerts.manage');
    const typo = cardText((await t.say(MEGAN, 'subscribe alerts contoso-to-fabrikan', OPS_CHAT)).map(cardOf).find(Boolean));
    expect(typo).toContain('Did you mean contoso-to-fabrikam?');
  });

  it('deletion threshold: one card per subscribed conversation, refusal without deletes.allow, confirmation, ForceDeletes, the same card resolved', async () => {
    const tripped = await sim.control<TripDeletesAnswer>('POST', `/tenants/${CONTOSO}/trip-deletes/${encodeURIComponent(C2F.jobId)}`);
    expect(tripped.wouldDelete).toBeGreaterThan(tripped.threshold);
    await sim.cycle(CONTOSO, C2F.jobId);

    const report = await t.bot.monitor.pollOnce();
    expect(report.events).toEqual([{ configuration: C2F.name, type: 'opened', kind: 'deletionThreshold' }]);
    expect(report.posted).toBe(2);
    const chatId = conversationIdOf(OPS_CHAT, MEGAN);
    const [posted] = alertPosts(t, chatId);
    expect(alertPosts(t, chatId)).toHaveLength(1);
    expect(alertPosts(t, conversationIdOf(OPS_CHANNEL, MEGAN))).toHaveLength(1);
    expect(alertPosts(t, conversationIdOf(NORTHWIND_CHAT, MEGAN))).toHaveLength(0);
    // A channel alert opens a new thread: posted to the channel, not as a reply.
    expect(t.connector.calls.filter((c) => c.conversationId === OPS_CHANNEL.channelId && c.kind === 'send')).toHaveLength(1);

    const card = cardOf(posted.body);
    const text = cardText(card);
    expect(text).toContain('Deletions held back');
    expect(text).toContain(`${C2F.name} · Contoso → Fabrikam`);
    expect(text).toMatch(/deletions? or disables held back \(threshold \d+\)/);
    expect(text).toMatch(/- \S/); // the first held-back names
    expect(buttons(card).map((b) => b.verb)).toEqual(['deletes.allow', 'deletes.keepBlocked', 'alert.failures']);
    expect(Object.keys(buttons(card)[0].data)).toEqual(['incident']);
    expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(28 * 1024);

    // Polling the same state again sends nothing.
    const again = await t.bot.monitor.pollOnce();
    expect(again).toMatchObject({ events: [], posted: 0, updated: 0 });

    // Adele (Application Administrator) may operate sync but not allow deletes.
    const refused = cardText(await click(t, ADELE, OPS_CHAT, posted.id, card, 'deletes.allow'));
    expect(refused).toContain('Not allowed');
    expect(refused).toContain('Deletions held back'); // the alert stays the alert, with the refusal on top
    expect(refused).toContain('deletes.allow');
    expect(refused).toMatch(/Hybrid Identity Administrator/);
    expect(refused).toMatch(/Global Administrator/);

    // "Keep blocked" is a decision too: it is audited like an action on the job.
    const kept = cardText(await click(t, MEGAN, OPS_CHAT, posted.id, card, 'deletes.keepBlocked'));
    expect(kept).toContain('Acknowledged by Megan Bowen');
    expect((await t.bot.audit.last(5, { action: 'deletes.keepBlocked' }))[0]).toMatchObject({
      outcome: 'ok',
      configuration: C2F.name,
      actor: { aadObjectId: MEGAN.aadObjectId },
    });

    // Megan (Hybrid Identity Administrator): the alert stays, a confirmation arrives as its own message.
    await sim.clearRequests();
    const sentBefore = t.connector.sentTo(chatId).length;
    const answer = await click(t, MEGAN, OPS_CHAT, posted.id, card, 'deletes.allow');
    expect(cardText(answer)).toContain('Deletions held back');
    const confirmation = t.connector
      .sentTo(chatId)
      .slice(sentBefore)
      .map((c) => ({ id: c.id, card: cardOf(c.body) }))
      .find((c) => buttons(c.card).some((b) => b.verb === 'deletes.allow.confirm'));
    expect(confirmation).toBeDefined();
    expect(cardText(confirmation!.card)).toMatch(/Allow \d+ held-back deletions/);
    expect(await sim.writes(/restart/)).toEqual([]); // nothing sent before the confirmation

    const done = cardText(await click(t, MEGAN, OPS_CHAT, confirmation!.id, confirmation!.card, 'deletes.allow.confirm'));
    expect(done).toMatch(/done/);
    const restarts = await sim.writes(/\/restart$/);
    expect(restarts).toHaveLength(1);
    const audit = await t.bot.audit.last(5, { action: 'job.allowDeletes' });
    expect(audit[0]).toMatchObject({
      outcome: 'ok',
      target: 'ForceDeletes',
      actor: { aadObjectId: MEGAN.aadObjectId },
      graphRequestId: expect.stringMatching(/^[0-9a-f-]{8,}$/i) as unknown,
    });

    // Every copy of the alert says who acted.
    await t.connector.waitFor(() => t.connector.updatesOf(chatId, posted.id).some((u) => /Allow deletes by Megan Bowen at /.test(cardText(cardOf(u.body)))));
    await t.connector.waitFor(() => t.connector.updatesOf(OPS_CHANNEL.channelId).some((u) => /Allow deletes by Megan Bowen/.test(cardText(cardOf(u.body)))));

    // The next cycle deletes and the job is healthy: the same card is resolved, nothing is re-posted.
    await sim.cycle(CONTOSO, C2F.jobId);
    const resolved = await t.bot.monitor.pollOnce();
    expect(resolved.events).toEqual([{ configuration: C2F.name, type: 'resolved', kind: 'deletionThreshold' }]);
    expect(resolved).toMatchObject({ posted: 0, updated: 2 });
    const last = t.connector.updatesOf(chatId, posted.id).at(-1)!;
    const lastText = cardText(cardOf(last.body));
    expect(lastText).toContain('Resolved: Deletions held back');
    expect(lastText).toMatch(/Resolved after \d+ min/);
    expect(lastText).toContain('Allow deletes by Megan Bowen at'); // who fixed it, and how, stays on the card
    expect(buttons(cardOf(last.body))).toEqual([]);
    expect(alertPosts(t, chatId)).toHaveLength(1);

    // A click on the resolved card is answered with the card as it is now, not obeyed.
    const stale = cardText(await click(t, MEGAN, OPS_CHAT, posted.id, card, 'deletes.allow'));
    expect(stale).toContain('Resolved');
    expect(await sim.writes(/\/restart$/)).toHaveLength(1);
  });

  it('quarantine by failing credentials: one card, updated in place on recovery, never re-posted', async () => {
    const C2N_JOB = C2N.jobId;
    await sim.control('POST', `/tenants/${CONTOSO}/jobs/${encodeURIComponent(C2N_JOB)}/credentials`, { valid: false });
    await sim.cycle(CONTOSO, C2N_JOB);
    const opened = await t.bot.monitor.pollOnce();
    expect(opened.events).toEqual([{ configuration: C2N.name, type: 'opened', kind: 'quarantine' }]);
    // OPS_CHAT and OPS_CHANNEL subscribe to all, NORTHWIND_CHAT to this configuration.
    expect(opened.posted).toBe(3);
    const northwind = conversationIdOf(NORTHWIND_CHAT, MEGAN);
    const [posted] = alertPosts(t, northwind);
    const text = cardText(cardOf(posted.body));
    expect(text).toContain('Sync hit an error it cannot work around');
    expect(text).toContain('Graph error');
    expect(buttons(cardOf(posted.body)).map((b) => b.verb)).toEqual(['alert.restart', 'alert.failures', 'alert.pause']);

    for (let i = 0; i < 3; i++) expect(await t.bot.monitor.pollOnce()).toMatchObject({ events: [], posted: 0, updated: 0 });

    // Show failures answers with a new card in the conversation and leaves the alert as it was.
    const before = t.connector.sentTo(northwind).length;
    await click(t, MEGAN, NORTHWIND_CHAT, posted.id, cardOf(posted.body), 'alert.failures');
    const failures = t.connector
      .sentTo(northwind)
      .slice(before)
      .map((c) => cardText(cardOf(c.body)));
    expect(failures.some((f) => f.includes(`Latest failures: ${C2N.name}`))).toBe(true);

    // Restart while the credentials still fail: the job is quarantined again, and the card must not claim a fix.
    const sent = t.connector.sentTo(northwind).length;
    await click(t, MEGAN, NORTHWIND_CHAT, posted.id, cardOf(posted.body), 'alert.restart');
    const confirmation = t.connector
      .sentTo(northwind)
      .slice(sent)
      .map((c) => ({ id: c.id, card: cardOf(c.body) }))
      .find((c) => buttons(c.card).some((b) => b.verb === 'op.confirm'))!;
    await click(t, MEGAN, NORTHWIND_CHAT, confirmation.id, confirmation.card, 'op.confirm');
    await t.connector.waitFor(() => t.connector.updatesOf(northwind, posted.id).some((u) => /Action taken/.test(cardText(cardOf(u.body)))));
    await sim.cycle(CONTOSO, C2N_JOB);
    const again = await t.bot.monitor.pollOnce();
    expect(again.updated).toBe(3);
    const notFixed = cardText(cardOf(t.connector.updatesOf(northwind, posted.id).at(-1)!.body));
    expect(notFixed).toContain('Still open');
    expect(notFixed).toMatch(/Restart by Megan Bowen at .* did not resolve it/);
    expect(notFixed).toContain('What to do');
    expect(notFixed).not.toContain('Action taken');

    await sim.control('POST', `/tenants/${CONTOSO}/jobs/${encodeURIComponent(C2N_JOB)}/credentials`, { valid: true });
    await sim.cycle(CONTOSO, C2N_JOB);
    const recovered = await t.bot.monitor.pollOnce();
    expect(recovered.events.map((e) => e.type)).toEqual(['resolved']);
    expect(recovered).toMatchObject({ posted: 0, updated: 3 });
    expect(alertPosts(t, northwind)).toHaveLength(1);
    expect(cardText(cardOf(t.connector.updatesOf(northwind, posted.id).at(-1)!.body))).toContain('Resolved: Sync hit an error');
    expect(await t.bot.monitor.pollOnce()).toMatchObject({ events: [], posted: 0, updated: 0 });
  });

  it('a 403 from Teams deactivates that subscription (audited); the other conversations still get the alert', async () => {
    const F2N = DEMO.configurations.fabrikamToNorthwind;
    const blocked: Place = { kind: 'groupChat', conversationId: '19:blocked@thread.v2' };
    await t.say(MEGAN, 'subscribe alerts all', blocked);
    t.connector.failFor({ conversationId: '19:blocked@thread.v2', status: 403, times: Infinity, code: 'ConversationBlockedByUser' });
    const sendsBefore = t.connector.calls.length;
    await sim.quarantine(DEMO.tenants.fabrikam.id, F2N.jobId, 'QuarantinedOnDemand');
    const report = await t.bot.monitor.pollOnce();
    expect(report.events).toEqual([{ configuration: F2N.name, type: 'opened', kind: 'quarantine' }]);
    expect(report).toMatchObject({ posted: 2, gone: 1 });
    expect(alertPosts(t, conversationIdOf(OPS_CHAT, MEGAN)).filter((c) => t.connector.calls.indexOf(c) >= sendsBefore)).toHaveLength(1);
    expect(t.connector.calls.slice(sendsBefore).filter((c) => c.conversationId === '19:blocked@thread.v2')).toEqual([]);

    const subs = await t.bot.subscriptions.list('19:blocked@thread.v2');
    expect(subs).toEqual([
      expect.objectContaining({
        topic: 'alerts',
        active: false,
        deactivatedReason: expect.stringContaining('403 ConversationBlockedByUser') as unknown,
      }) as unknown,
    ]);
    const audit = await t.bot.audit.last(5, { action: 'subscriptions.deactivate' });
    expect(audit[0]).toMatchObject({ actor: 'system', target: '19:blocked@thread.v2', detail: expect.stringContaining('403') as unknown });
    // Not retried on the next poll, and the next alert does not go there either.
    expect(await t.bot.monitor.pollOnce()).toMatchObject({ posted: 0, gone: 0 });
    expect(await t.bot.subscriptions.targetsFor('alerts', F2N.name)).toHaveLength(2);
  });

  it('greets once when installed and its Subscribe button checks alerts.manage', async () => {
    const place: Place = { kind: 'groupChat', conversationId: '19:new-team-chat@thread.v2' };
    const base = message({ text: '', user: MEGAN, tenantId: CONTOSO, serviceUrl: t.connector.url, place, mention: false });
    const install = { ...base, type: 'installationUpdate', action: 'add', text: undefined };
    const added = { ...base, type: 'conversationUpdate', text: undefined, membersAdded: [{ id: base.recipient.id }] };
    // Teams sends both events on install, often at the same moment (the Agents Playground does): one welcome only.
    await Promise.all([post(t.bot.url, install), post(t.bot.url, added)]);
    await post(t.bot.url, added);
    const welcomes = t.connector
      .sentTo(place.conversationId)
      .map((c) => cardOf(c.body))
      .filter((c) => /Hello, I'm CTS Ops/.test(cardText(c)));
    expect(welcomes).toHaveLength(1);
    expect(buttons(welcomes[0]).map((b) => b.data.topic)).toEqual(['alerts', 'approvals']);
    const welcomeId = t.connector.sentTo(place.conversationId)[0].id;
    const lee = cardText(
      await click(t, { aadObjectId: '03e9c5b2-b4d6-4f80-8c37-9e5dbf416083', name: 'Lee Gu' }, place, welcomeId, welcomes[0], 'subscriptions.subscribe'),
    );
    expect(lee).toContain('alerts.manage');
    const megan = cardText(await click(t, MEGAN, place, welcomeId, welcomes[0], 'subscriptions.subscribe'));
    expect(megan).toContain('Alerts for all configurations will be posted');
    expect((await t.bot.subscriptions.targetsFor('alerts', C2F.name)).map((x) => x.key)).toContain(place.conversationId);
  });
});
