/**
 * Periodic scope review end to end: activities posted to /api/messages, cards captured by the Bot Connector stand-in,
 * Graph served by a standalone simulator over HTTP, state in a FileStorage that a second bot instance reopens.
 */
import { FileStorage } from '../../src/store';
import type { RunningBot } from '../../src/index';
import { ManualClock } from '../../src/domain/clock';
import { DEMO } from '../../src/simulator/demoIds';
import { reviewSubject } from '../../src/services/scopeReview';
import type { Review } from '../../src/domain/review';
import { ConnectorStandIn } from '../harness/connector';
import { ADELE, LEE, MEGAN } from '../harness/bot';
import { cardOf, cardText } from '../harness/activities';
import { APPROVERS_CHANNEL, APPROVERS_KEY, C2F, CONTOSO, SharedEstate, assignmentDeletes, buttons, click, say } from '../approvals/helpers';

const DAY = 86_400_000;

describe('periodic scope review over /api/messages', () => {
  const estate = new SharedEstate();
  const connector = new ConnectorStandIn();
  const clock = new ManualClock(Date.now());
  let storage: FileStorage;
  let bot: RunningBot;

  beforeAll(async () => {
    await estate.start();
    await connector.start();
    storage = await FileStorage.open({ dir: estate.dataDir });
    bot = await estate.bot(connector, storage, { clock });
  });
  afterAll(async () => {
    await bot?.close();
    await storage?.close();
    await connector.stop();
    await estate.stop();
  });

  const sayAs = (user: typeof LEE, text: string, place?: Parameters<typeof say>[4]) => say(bot, connector, user, text, place);
  const clickAs = (user: typeof LEE, verb: string, data: Record<string, unknown>, replyToId?: string, place?: Parameters<typeof click>[6]) =>
    click(bot, connector, user, verb, data, replyToId, place);
  const settle = async () => {
    await bot.reviews.idle();
    await bot.approvals.idle();
    await bot.notifier.idle();
  };
  const reviewIdIn = (text: string) => /Scope review (REV-[0-9A-Z]{5})/.exec(text)![1];

  /** Two enabled members of Contoso not in contoso-to-fabrikam's scope, assigned directly (the review's user items). */
  async function assignTwoUsers(): Promise<{ id: string; upn: string }[]> {
    const g = bot.graph;
    const scope = await g.listAssignments(CONTOSO, C2F.servicePrincipalId);
    const inScope = new Set(scope.map((a) => a.principalId));
    for (const a of scope.filter((x) => x.principalType === 'Group')) for (const m of await g.groupMembers(CONTOSO, a.principalId)) inScope.add(m.id);
    const picked: { id: string; upn: string }[] = [];
    for (const m of await g.groupMembers(CONTOSO, DEMO.groups.syncNorthwind.id)) {
      const u = await g.getUser(CONTOSO, m.id);
      if (!u || u.userType !== 'Member' || u.accountEnabled === false || inScope.has(u.id)) continue;
      await g.ensureAssigned(CONTOSO, C2F.servicePrincipalId, u.id, 'User');
      picked.push({ id: u.id, upn: u.userPrincipalName! });
      if (picked.length === 2) return picked;
    }
    throw new Error('not enough unassigned members');
  }

  it('start; two approvers decide; a Remove goes through the approval flow once; a restart loses nothing; the deadline applies the default', async () => {
    const [gone, kept] = await assignTwoUsers();
    expect((await sayAs(MEGAN, `subscribe approvals ${C2F.name}`, APPROVERS_CHANNEL)).text).toMatch(/subscribed/i);

    // Lee may not start one (no scope.approve); Megan may.
    expect((await sayAs(LEE, `review ${C2F.name}`)).text).toContain('scope.approve');
    const started = await sayAs(MEGAN, `review ${C2F.name}`);
    expect(started.text).toContain('card was sent to the approvers in 1 place');
    const id = reviewIdIn(started.text);
    await settle();

    // The card in the approvers' channel: groups with their facts, users with enabled and last sign-in.
    const posted = connector.sentTo(APPROVERS_KEY).find((c) => cardOf(c.body) && cardText(cardOf(c.body)).includes(id))!;
    expect(posted).toBeDefined();
    const card = cardOf(posted.body);
    const text = cardText(card);
    expect(text).toContain(DEMO.groups.syncFabrikam.displayName);
    expect(text).toMatch(/\d+ direct members?/);
    expect(text).toContain(gone.upn);
    expect(text).toMatch(new RegExp(`${gone.upn.replace(/[.]/g, '\\.')} · enabled · (last sign-in \\d{4}-\\d\\d-\\d\\d|never signed in)`));
    const review0 = (await bot.reviews.get(id))!;
    expect(review0.status).toBe('open');
    const total = review0.items.length;
    expect(total).toBeGreaterThanOrEqual(3);
    expect(review0.items.some((i) => i.kind === 'group' && i.id === DEMO.groups.syncFabrikam.id)).toBe(true);
    await expect(bot.audit.last(10, { action: 'review.started' })).resolves.toEqual([expect.objectContaining({ target: id, configuration: C2F.name })]);

    const buttonOf = (c: unknown, verb: string, itemId: string) => buttons(c).find((b) => b.verb === verb && b.data.itemId === itemId)!;
    expect(buttonOf(card, 'review.keep', gone.id).data).toEqual({ reviewId: id, itemId: gone.id, verb: 'review.keep', page: 1 });

    // Megan keeps the group; Adele marks one user Remove: a removal request she made, waiting for someone else.
    const keepGroup = await clickAs(MEGAN, 'review.keep', buttonOf(card, 'review.keep', DEMO.groups.syncFabrikam.id).data, posted.id, APPROVERS_CHANNEL);
    expect(keepGroup.text).toContain('Keep — by Megan Bowen');
    const remove = await clickAs(ADELE, 'review.remove', buttonOf(card, 'review.remove', gone.id).data, posted.id, APPROVERS_CHANNEL);
    const requestId = /Removal request (REQ-[0-9A-Z]{5})/.exec(remove.text)![1];
    expect(remove.text).toContain('waits for a second approver');
    // A double click, and a click of Keep on the same item by someone else: refused, nothing more is created.
    expect((await clickAs(ADELE, 'review.remove', buttonOf(card, 'review.remove', gone.id).data, posted.id, APPROVERS_CHANNEL)).text).toContain(
      'already marked Remove by Adele Vance',
    );
    expect((await clickAs(MEGAN, 'review.keep', buttonOf(card, 'review.keep', gone.id).data, posted.id, APPROVERS_CHANNEL)).text).toContain(
      'already marked Remove by Adele Vance',
    );
    // Lee may not decide; tampered data changes nothing.
    expect((await clickAs(LEE, 'review.keep', buttonOf(card, 'review.keep', kept.id).data, posted.id, APPROVERS_CHANNEL)).text).toContain('scope.approve');
    expect(
      (await clickAs(MEGAN, 'review.keep', { ...buttonOf(card, 'review.keep', kept.id).data, configuration: 'x' }, posted.id, APPROVERS_CHANNEL)).text,
    ).toContain('could not be read');
    await settle();
    const request = (await bot.approvals.get(requestId))!;
    expect(request.request).toMatchObject({ op: 'remove', status: 'pending', requester: { aadObjectId: ADELE.aadObjectId } });
    expect(request.request.principals.map((p) => p.id)).toEqual([gone.id]);
    expect((await bot.approvals.pending()).filter((r) => r.request.principals.some((p) => p.id === gone.id))).toHaveLength(1);
    // Every copy of the review card shows the decisions.
    expect(cardText(cardOf(connector.updatesOf(APPROVERS_KEY, posted.id).at(-1)!.body))).toMatch(/Keep — by Megan Bowen[\s\S]*Remove — by Adele Vance/);

    // Restart in the middle: a new bot instance on the same store.
    await bot.close();
    await storage.close();
    storage = await FileStorage.open({ dir: estate.dataDir });
    bot = await estate.bot(connector, storage, { clock });

    const status = await sayAs(ADELE, `review status ${C2F.name}`);
    expect(status.text).toContain(id);
    expect(status.text).toContain(`${total} items in scope: 1 keep, 1 remove, ${total - 2} undecided`);
    // One review per configuration at a time.
    const second = await sayAs(MEGAN, `review ${C2F.name}`);
    expect(second.text).toContain(`Review ${id} of ${C2F.name} is still open`);
    expect((await bot.reviews.current(C2F.name))!.id).toBe(id);

    // Four eyes on the removal: Adele may not approve her own; Megan (deletes.allow) approves; one DELETE in Graph.
    expect((await clickAs(ADELE, 'approval.approve', { requestId, verb: 'approval.approve', cardVersion: 1 })).text).toContain(
      'someone else has to approve it',
    );
    const deletesBefore = (await assignmentDeletes(estate.sim)).length;
    const approved = await clickAs(MEGAN, 'approval.approve', { requestId, verb: 'approval.approve', cardVersion: 1 });
    expect(approved.text).toContain('removed from scope');
    await settle();
    expect((await assignmentDeletes(estate.sim)).length).toBe(deletesBefore + 1);
    expect((await bot.graph.listAssignments(CONTOSO, C2F.servicePrincipalId)).some((a) => a.principalId === gone.id)).toBe(false);
    // The sweep before the deadline changes nothing and creates no second request.
    expect(await bot.reviews.sweep()).toEqual([]);
    expect((await bot.reviews.get(id))!.items.find((i) => i.id === gone.id)!.removal).toEqual({ requestId, state: 'requested' });

    // The deadline: undecided items get the default (keep), the review completes, audited once.
    clock.advance(14 * DAY + 60_000);
    const completed = await bot.reviews.sweep();
    expect(completed.map((r) => r.id)).toEqual([id]);
    await settle();
    const done = (await bot.reviews.get(id))!;
    expect(done).toMatchObject({ status: 'completed', completedBecause: 'deadline' });
    expect(done.items.filter((i) => i.decision?.byDefault).map((i) => i.decision!.verdict)).toEqual(Array(total - 2).fill('keep'));
    expect(done.items.find((i) => i.id === kept.id)!.decision).toMatchObject({ verdict: 'keep', byDefault: true });
    expect(await bot.reviews.sweep()).toEqual([]);
    const audit = async (action: string) => (await bot.audit.last(100, { action })).filter((e) => e.target === id);
    expect(await audit('review.completed')).toEqual([
      expect.objectContaining({ actor: 'system', detail: expect.stringContaining(`${total - 2} undecided item(s) got the default Keep`) as unknown }),
    ]);
    expect((await audit('review.decided')).map((e) => e.detail).sort()).toEqual([
      `Keep group ${DEMO.groups.syncFabrikam.displayName}`,
      `Remove user ${gone.upn}`,
    ]);
    expect(await audit('review.started')).toHaveLength(1);
    // Only the one removal request was ever made for the removed user.
    expect((await assignmentDeletes(estate.sim)).length).toBe(deletesBefore + 1);
    const record = await bot.outbox.read(reviewSubject(id));
    expect(Object.values(record!.copies).map((c) => c.state)).toEqual(['delivered']);
    expect(cardText(cardOf(connector.updatesOf(APPROVERS_KEY, posted.id).at(-1)!.body))).toContain(`Scope review ${id} completed`);

    // After it completed, a new review may start. Typed in the approvers' channel, the reply is a line, not a second card.
    const next = await sayAs(MEGAN, `review ${C2F.name}`, APPROVERS_CHANNEL);
    expect(next.text).toContain('started; the card was sent to the approvers in 1 place');
    const nextId = reviewIdIn(next.text);
    expect(nextId).not.toBe(id);
    await settle();
    expect(connector.sentTo(APPROVERS_KEY).filter((c) => cardOf(c.body) && cardText(cardOf(c.body)).includes(`Scope review ${nextId}:`))).toHaveLength(1);
  });

  it('without AuditLog.Read.All the card says the last sign-in is not readable; bad input gets a clear card', async () => {
    const revoke = (body: object) =>
      fetch(`${estate.sim.url}/_sim/tenants/${CONTOSO}/bot-permissions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    // The review the first test left open is completed at its deadline first.
    clock.advance(15 * DAY);
    await bot.reviews.sweep();
    expect((await revoke({ remove: ['AuditLog.Read.All'] })).status).toBe(200);
    try {
      const started = await sayAs(MEGAN, `review ${C2F.name}`);
      expect(started.text).toContain('last sign-in: not readable (needs AuditLog.Read.All)');
      expect(started.text).not.toMatch(/last sign-in \d{4}/);
    } finally {
      await revoke({ restore: ['AuditLog.Read.All'] });
    }
    const unknown = await sayAs(MEGAN, 'review contoso-to-nowhere');
    expect(unknown.text).toContain('Unknown configuration');
    expect(unknown.text).toContain('Type: review ‹configuration›');
    const extra = await sayAs(MEGAN, 'review a b');
    expect(extra.text).toContain('review takes one configuration name');
    expect(extra.text).toContain('Type: review');
  });

  it('exactly once across two instances: racing Remove clicks commit one decision, racing sweeps after a crash make one request', async () => {
    const botB = await estate.bot(connector, storage, { clock });
    try {
      const open = (await bot.reviews.current(C2F.name))!;
      expect(open.status).toBe('open');
      const [a, b] = open.items.filter((i) => i.kind === 'user' && !i.decision);
      const data = (itemId: string) => ({ reviewId: open.id, itemId, verb: 'review.remove', page: 1 });
      const clicks = await Promise.all([click(bot, connector, MEGAN, 'review.remove', data(a.id)), click(botB, connector, ADELE, 'review.remove', data(a.id))]);
      expect(clicks.filter((c) => /already marked Remove/.test(c.text))).toHaveLength(1);
      const afterClicks = (await bot.reviews.get(open.id))!.items.find((i) => i.id === a.id)!;
      const requestId = afterClicks.removal!.requestId;
      expect((await bot.approvals.pending()).filter((r) => r.request.principals.some((p) => p.id === a.id)).map((r) => r.request.id)).toEqual([requestId]);

      // A crash between the decision and the request: the decision is stored, the request is not.
      expect((await click(botB, connector, MEGAN, 'review.remove', data(b.id))).text).toContain('Remove');
      await botB.reviews.idle();
      const key = `reviews/rev/${open.id}`;
      const stored = (await storage.read([key]))[key] as Review;
      const madeId = stored.items.find((i) => i.id === b.id)!.removal!.requestId;
      await storage.write({ [key]: { ...stored, items: stored.items.map((i) => (i.id === b.id ? { ...i, removal: undefined } : i)) } });
      expect((await bot.reviews.get(open.id))!.items.find((i) => i.id === b.id)!.removal).toBeUndefined();
      await Promise.all([bot.reviews.sweep(), botB.reviews.sweep()]);
      const healed = (await bot.reviews.get(open.id))!.items.find((i) => i.id === b.id)!;
      expect(healed.removal).toEqual({ requestId: madeId, state: 'requested' });
      expect((await bot.approvals.pending()).filter((r) => r.request.principals.some((p) => p.id === b.id)).map((r) => r.request.id)).toEqual([madeId]);
      expect((await bot.audit.last(200, { action: 'scope.requested' })).filter((e) => e.target === madeId)).toHaveLength(1);
    } finally {
      await botB.close();
    }
  });
});
