import { DEMO } from '../../src/simulator';
import { cardOf, type Place } from '../harness/activities';
import { BotUnderTest, CONTOSO, MEGAN } from '../harness/bot';
import { SimControl, type TripDeletesAnswer } from '../harness/sim';
import { buttons, click, conversationIdOf } from '../alerts/helpers';
import { record } from './ledger';

/**
 * Issue 11 defect 3 as attacks: repeated and leftover "Allow deletes" confirmations. Each is an attempt to release
 * deletions nobody reviewed (or to release them twice); the only acceptable result is one ForceDeletes per incident.
 */
const C2F = DEMO.configurations.contosoToFabrikam;
const CHAT: Place = { kind: 'groupChat', conversationId: '19:faults-deletes@thread.v2' };

test('double, triple and leftover Allow deletes confirmations send ForceDeletes once per incident', async () => {
  const t = await new BotUnderTest().start();
  try {
    const sim = new SimControl(t.bot.simulator!.url);
    const chatId = conversationIdOf(CHAT, MEGAN);
    const job = encodeURIComponent(C2F.jobId);
    await t.say(MEGAN, `subscribe alerts ${C2F.name}`, CHAT);
    const tripped = await sim.control<TripDeletesAnswer>('POST', `/tenants/${CONTOSO}/trip-deletes/${job}`);
    await sim.cycle(CONTOSO, C2F.jobId);
    await t.bot.monitor.pollOnce();
    await t.bot.monitor.deliver(C2F.name);
    const posted = t.connector
      .sentTo(chatId)
      .filter((c) => buttons(cardOf(c.body) ?? {}).some((b) => b.verb === 'deletes.allow'))
      .at(-1)!;
    const confirmations = [];
    for (let i = 0; i < 4; i++) {
      const before = t.connector.sentTo(chatId).length;
      await click(t, MEGAN, CHAT, posted.id, cardOf(posted.body), 'deletes.allow');
      const c = t.connector
        .sentTo(chatId)
        .slice(before)
        .find((x) => buttons(cardOf(x.body) ?? {}).some((b) => b.verb === 'deletes.allow.confirm'))!;
      confirmations.push({ id: c.id, card: cardOf(c.body) });
    }
    await sim.clearRequests();
    // Two clicked at once, one after: one release.
    await Promise.all(confirmations.slice(0, 2).map((c) => click(t, MEGAN, CHAT, c.id, c.card, 'deletes.allow.confirm')));
    await click(t, MEGAN, CHAT, confirmations[2].id, confirmations[2].card, 'deletes.allow.confirm');
    const firstIncident = (await sim.writes(/\/restart$/)).length;

    // A new incident; the fourth (leftover) confirmation of the first must not release it.
    await sim.cycle(CONTOSO, C2F.jobId);
    await t.bot.monitor.pollOnce();
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
    await t.bot.monitor.pollOnce();
    await sim.clearRequests();
    await click(t, MEGAN, CHAT, confirmations[3].id, confirmations[3].card, 'deletes.allow.confirm');
    const leftover = (await sim.writes(/\/restart$/)).length;

    const audit = await t.bot.audit.last(20, { action: 'job.allowDeletes' });
    record({
      test: 'allow deletes confirmations',
      attacks: 3,
      refused: 3 - Math.max(0, firstIncident - 1) - leftover,
      duplicateExecutions: Math.max(0, firstIncident - 1) + leftover,
      lostAuditRecords: Math.max(0, firstIncident + leftover - audit.length),
    });
    expect(firstIncident).toBe(1);
    expect(leftover).toBe(0);
    expect(audit).toHaveLength(1);
  } finally {
    await t.stop();
  }
});
