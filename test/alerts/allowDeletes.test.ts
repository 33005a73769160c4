import { DEMO } from '../../src/simulator';
import { cardOf, cardText, type Place } from '../harness/activities';
import { BotUnderTest, CONTOSO, MEGAN } from '../harness/bot';
import type { AdaptiveCard } from '../harness/cardTypes';
import { SimControl, type TripDeletesAnswer } from '../harness/sim';
import { alertPosts, buttons, click, conversationIdOf } from './helpers';

/**
 * Issue 16 item 1 and issue 11 defect 3, over /api/messages against the simulator: the deletion-threshold alert and
 * its "Allow deletes" confirmation show the real count, and a confirmation releases only its own incident, once.
 */
const C2F = DEMO.configurations.contosoToFabrikam;
const CHAT: Place = { kind: 'groupChat', conversationId: '19:deletes-chat@thread.v2' };

describe('Allow deletes: the real count, and one release per incident', () => {
  const t = new BotUnderTest();
  let sim: SimControl;
  const chatId = conversationIdOf(CHAT, MEGAN);
  const job = encodeURIComponent(C2F.jobId);

  beforeAll(async () => {
    await t.start();
    sim = new SimControl(t.bot.simulator!.url);
    await t.say(MEGAN, `subscribe alerts ${C2F.name}`, CHAT);
  });
  afterAll(() => t.stop());

  /** Clicks Allow deletes on the alert; returns the confirmation it sent as its own message. */
  async function askToAllow(alert: { id: string; card: AdaptiveCard | undefined }): Promise<{ id: string; card: AdaptiveCard | undefined }> {
    const before = t.connector.sentTo(chatId).length;
    await click(t, MEGAN, CHAT, alert.id, alert.card, 'deletes.allow');
    const sent = t.connector
      .sentTo(chatId)
      .slice(before)
      .map((c) => ({ id: c.id, card: cardOf(c.body) }));
    const confirmation = sent.find((c) => buttons(c.card).some((b) => b.verb === 'deletes.allow.confirm'));
    if (!confirmation) throw new Error('no confirmation');
    return confirmation;
  }

  const latestAlert = () => {
    const posted = alertPosts(t, chatId).at(-1)!;
    const updates = t.connector.updatesOf(chatId, posted.id);
    return { id: posted.id, card: cardOf((updates.at(-1) ?? posted).body) };
  };

  it('shows the real count, the threshold and ten names with "and N more" on the alert and on the confirmation; two confirmations send one ForceDeletes', async () => {
    const tripped = await sim.control<TripDeletesAnswer>('POST', `/tenants/${CONTOSO}/trip-deletes/${job}`);
    await sim.cycle(CONTOSO, C2F.jobId);
    expect((await t.bot.monitor.pollOnce()).events).toEqual([{ configuration: C2F.name, type: 'opened', kind: 'deletionThreshold' }]);
    await t.connector.waitFor(() => t.connector.updatesOf(chatId).length > 0 || alertPosts(t, chatId).length > 0);
    await t.bot.monitor.deliver(C2F.name);
    const alert = latestAlert();
    const text = cardText(alert.card);
    const n = tripped.wouldDelete;
    expect(n).toBeGreaterThan(10);
    expect(text).toContain(`${n} deletions or disables held back (threshold ${DEMO.deleteThreshold}), including:`);
    expect(text).toContain(`and ${n - 10} more`);
    expect(text.split('\n').filter((l) => /^- /.test(l))).toHaveLength(11); // ten names and the "and N more" line

    await sim.clearRequests();
    const first = await askToAllow(alert);
    const second = await askToAllow(alert);
    const leftover = await askToAllow(alert);
    const confirmText = cardText(first.card);
    expect(confirmText).toContain(`Allow ${n} held-back deletions in ${C2F.name}?`);
    expect(confirmText).toContain(`${n} deletions or disables held back (threshold ${DEMO.deleteThreshold})`);
    expect(confirmText).toContain(`and ${n - 10} more`);
    expect(buttons(first.card)[0].data).toMatchObject({ incident: expect.stringContaining(`${C2F.name}@`) as unknown, version: expect.anything() as unknown });

    const done = cardText(await click(t, MEGAN, CHAT, first.id, first.card, 'deletes.allow.confirm'));
    expect(done).toContain('ForceDeletes was sent; the job is now');
    const again = cardText(await click(t, MEGAN, CHAT, second.id, second.card, 'deletes.allow.confirm'));
    expect(again).toContain('Nothing was sent');
    expect(again).toContain('Megan Bowen already allowed these deletions');
    expect(await sim.writes(/\/restart$/)).toHaveLength(1);

    // Deleted on the next cycle: resolved. Then the scope is restored, synced, and a NEW incident opens.
    await sim.cycle(CONTOSO, C2F.jobId);
    expect((await t.bot.monitor.pollOnce()).events).toEqual([{ configuration: C2F.name, type: 'resolved', kind: 'deletionThreshold' }]);
    for (const a of tripped.removedAssignments) {
      await sim.graph(CONTOSO, 'POST', `/servicePrincipals/${C2F.servicePrincipalId}/appRoleAssignedTo`, {
        principalId: a.principalId,
        resourceId: C2F.servicePrincipalId,
        appRoleId: a.appRoleId,
      });
    }
    await sim.cycle(CONTOSO, C2F.jobId);
    await sim.control('POST', `/tenants/${CONTOSO}/trip-deletes/${job}`);
    await sim.cycle(CONTOSO, C2F.jobId);
    expect((await t.bot.monitor.pollOnce()).events).toEqual([{ configuration: C2F.name, type: 'opened', kind: 'deletionThreshold' }]);

    // The leftover confirmation of the first incident does nothing to the second.
    await sim.clearRequests();
    const stale = cardText(await click(t, MEGAN, CHAT, leftover.id, leftover.card, 'deletes.allow.confirm'));
    expect(stale).toContain('Nothing was sent');
    expect(stale).toContain('belongs to an earlier deletion alert');
    expect(await sim.writes(/\/restart$/)).toEqual([]);
  });

  it('detected from held-back entries under another reason; when ForceDeletes leaves the job quarantined the card says so and offers Restart', async () => {
    // Same (second) incident; the service now reports a reason other than TooManyDeletes.
    await sim.control('POST', `/tenants/${CONTOSO}/jobs/${job}/quarantine`, { reason: 'Unknown', message: 'Held back.' });
    await t.bot.monitor.pollOnce();
    await t.bot.monitor.deliver(C2F.name);
    const record = await t.bot.monitor.record(C2F.name);
    expect(record?.alert?.incident).toMatchObject({ kind: 'deletionThreshold', reason: 'Unknown' });

    const alert = latestAlert();
    const confirmation = await askToAllow(alert);
    await sim.clearRequests();
    const answer = cardText(await click(t, MEGAN, CHAT, confirmation.id, confirmation.card, 'deletes.allow.confirm'));
    expect(answer).toContain('still quarantined');
    expect(answer).toContain('restart the job');
    expect(await sim.writes(/\/restart$/)).toHaveLength(1);
    await t.bot.monitor.deliver(C2F.name);
    const after = latestAlert();
    expect(buttons(after.card).map((b) => b.verb)).toEqual(['alert.failures', 'alert.restart']);
    expect(cardText(after.card)).toMatch(/Deletions allowed: by Megan Bowen .*still quarantined/);
  });
});
