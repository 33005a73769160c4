/**
 * The approval workflow end to end: activities posted to /api/messages as Teams does, cards captured by the Bot
 * Connector stand-in, Graph served by the embedded simulator over HTTP.
 */
import { approvalSubject } from '../../src/services/scopeRequests';
import { ManualClock } from '../../src/domain/clock';
import { DEMO } from '../../src/simulator/demoIds';
import { ADELE, BotUnderTest, LEE, MEGAN } from '../harness/bot';
import { cardOf, cardText } from '../harness/activities';
import {
  APPROVERS_CHANNEL,
  APPROVERS_KEY,
  C2F,
  CONTOSO,
  FABRIKAM,
  assignmentDeletes,
  assignmentPosts,
  buttons,
  click,
  personalKey,
  requestIdIn,
  say,
  simRequests,
} from './helpers';

const NESTOR = DEMO.users.nestor;
const ALEX = DEMO.users.alex;

describe('scope-change approvals over /api/messages', () => {
  const t = new BotUnderTest();
  const clock = new ManualClock(Date.now());
  const bot = () => t.bot;
  const sayAs = (user: typeof LEE, text: string, place?: Parameters<typeof say>[4]) => say(t.bot, t.connector, user, text, place);
  const clickAs = (user: typeof LEE, verb: string, data: Record<string, unknown>, replyToId?: string, place?: Parameters<typeof click>[6]) =>
    click(t.bot, t.connector, user, verb, data, replyToId, place);
  const channelCards = () => t.connector.sentTo(APPROVERS_KEY).filter((c) => cardOf(c.body));
  const lastUpdate = (conversationId: string, activityId: string) => {
    const u = t.connector.updatesOf(conversationId, activityId).at(-1);
    return u ? cardText(cardOf(u.body)) : '';
  };

  beforeAll(async () => {
    await t.start({}, { clock });
    const sub = await sayAs(MEGAN, `subscribe approvals ${C2F.name}`, APPROVERS_CHANNEL);
    expect(sub.text).toMatch(/subscribed/i);
  });
  afterAll(() => t.stop());

  it('request (Lee) → approval card in the approvers channel → Megan approves → assignment in Graph, both cards updated, next cycle creates the B2B user', async () => {
    const asked = await sayAs(LEE, `request add user ${NESTOR.userPrincipalName} to ${C2F.name} because joins the Fabrikam project`);
    expect(asked.text).toContain('Waiting for approval');
    expect(asked.text).toContain('Sending to approvers in 1 place'); // nothing was posted yet when the reply was made
    const id = requestIdIn(asked.text);
    await bot().approvals.idle();

    const postedCopies = channelCards().filter((c) => cardText(cardOf(c.body)).includes(id));
    expect(postedCopies).toHaveLength(1);
    const posted = postedCopies[0];
    const channelCard = cardOf(posted.body);
    expect(cardText(channelCard)).toContain('Lee Gu');
    expect(cardText(channelCard)).toContain('joins the Fabrikam project');
    // The shared copy offers no decision buttons; approvers get theirs through refresh.userIds.
    expect(buttons(channelCard).map((b) => b.verb)).not.toContain('approval.approve');
    expect(channelCard?.refresh?.action.verb).toBe('approval.refresh');
    expect(channelCard?.refresh?.userIds).toContain(LEE.aadObjectId);

    // Megan opens it: her refreshed view has Approve and Reject; card data is only id, verb and version.
    const view = await clickAs(MEGAN, 'approval.refresh', channelCard?.refresh?.action.data ?? {}, posted.id, APPROVERS_CHANNEL);
    const approve = buttons(view.card).find((b) => b.verb === 'approval.approve')!;
    expect(approve.data).toEqual({ requestId: id, verb: 'approval.approve', cardVersion: 1 });
    expect(buttons(view.card).map((b) => b.verb)).toContain('approval.reject');

    const postsBefore = (await assignmentPosts(bot().simulator!)).length;
    const answer = await clickAs(MEGAN, 'approval.approve', approve.data, posted.id, APPROVERS_CHANNEL);
    expect(answer.status).toBe(200);
    expect(answer.body?.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(answer.text).toContain('Approved and carried out');
    expect(answer.text).toContain('added to scope');
    expect((await assignmentPosts(bot().simulator!)).length).toBe(postsBefore + 1);
    const scope = await bot().graph.listAssignments(CONTOSO, C2F.servicePrincipalId);
    expect(scope.some((a) => a.principalId === NESTOR.id)).toBe(true);

    await bot().approvals.idle();
    await bot().notifier.idle();
    expect(lastUpdate(APPROVERS_KEY, posted.id)).toMatch(/Done[\s\S]*Approved by Megan Bowen/);
    expect(lastUpdate(personalKey(LEE), asked.activityId)).toMatch(/Done[\s\S]*Approved by Megan Bowen/);

    const audit = await bot().audit.last(20, { action: 'scope.executed' });
    expect(audit.filter((a) => a.target === id)).toHaveLength(1);
    // The record names who was added, not a raw object id.
    expect(audit.find((a) => a.target === id)!.detail).toContain(`${NESTOR.userPrincipalName}: assigned`);
    expect(audit.find((a) => a.target === id)!.detail).not.toContain(NESTOR.id);
    // Graph's request-id of the assignment POST, as the simulator sent it (issue 16 item 8: it was empty on success).
    const posts = await assignmentPosts(bot().simulator!);
    expect(audit.find((a) => a.target === id)!.graphRequestId).toBe(posts[posts.length - 1].requestId);

    const cycle = await fetch(`${bot().simulator!.url}/_sim/tenants/${CONTOSO}/jobs/${C2F.jobId}/cycle`, { method: 'POST' });
    expect(cycle.status).toBe(200);
    const inTarget = await bot().graph.usersStartingWith(FABRIKAM, 'Nestor', 5);
    expect(inTarget.some((u) => /#EXT#/.test(u.userPrincipalName ?? ''))).toBe(true);
  });

  it('"Provision now" after an approved add runs provision on demand once for the new users', async () => {
    // Someone who is not in scope yet (and none of the named demo users, which other tests use).
    const assignments = await bot().graph.listAssignments(CONTOSO, C2F.servicePrincipalId);
    const inScope = new Set(assignments.map((a) => a.principalId));
    for (const g of assignments.filter((a) => a.principalType === 'Group'))
      for (const m of await bot().graph.groupMembers(CONTOSO, g.principalId)) inScope.add(m.id);
    const named = new Set<string>(Object.values(DEMO.users).map((u) => u.id));
    const candidates = await bot().graph.usersStartingWith(CONTOSO, 'T', 25);
    const newcomer = candidates.find((u) => u.userType === 'Member' && u.accountEnabled !== false && !inScope.has(u.id) && !named.has(u.id))!;
    expect(newcomer).toMatchObject({ userType: 'Member', id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown });
    const asked = await sayAs(LEE, `request add user ${newcomer.userPrincipalName} to ${C2F.name} because covers for Megan`);
    const id = requestIdIn(asked.text);
    await bot().approvals.idle();
    const posted = channelCards().find((c) => cardText(cardOf(c.body)).includes(id))!;
    const view = await clickAs(MEGAN, 'approval.refresh', cardOf(posted.body)?.refresh?.action.data ?? {}, posted.id, APPROVERS_CHANNEL);
    const approve = buttons(view.card).find((b) => b.verb === 'approval.approve')!;
    const done = await clickAs(MEGAN, 'approval.approve', approve.data, posted.id, APPROVERS_CHANNEL);
    await bot().approvals.idle();
    const provisionButton = buttons(done.card).find((b) => b.verb === 'approval.provision');
    expect(provisionButton?.title).toBe('Provision now');
    const pods = async () => (await simRequests(bot().simulator!)).filter((r) => r.path.endsWith('/provisionOnDemand'));
    const before = (await pods()).length;
    await clickAs(MEGAN, 'approval.provision', provisionButton!.data, posted.id, APPROVERS_CHANNEL);
    await bot().approvals.idle();
    const after = await pods();
    expect(after.length).toBe(before + 1);
    expect(after.at(-1)!.status).toBe(200);
    // Every copy, the clicked one included, ends on the true per-user outcome, never "Provisioning…" or "1 of 1".
    await bot().notifier.idle();
    const settled = await bot().approvals.get(id);
    expect(settled!.provisioned!.summary).toMatch(new RegExp(`${newcomer.userPrincipalName}: (provisioned|skipped|failed|warning|unknown)`));
    expect(settled!.provisioned!.summary).not.toMatch(/of 1 user/);
    const clickedCopy = lastUpdate(APPROVERS_KEY, posted.id);
    expect(clickedCopy).toContain(`${newcomer.userPrincipalName}:`);
    expect(clickedCopy).not.toContain('Provisioning on demand…');
    // Lee (no operator role) may not provision; a second click does nothing more.
    expect((await clickAs(LEE, 'approval.provision', provisionButton!.data, posted.id, APPROVERS_CHANNEL)).text).toContain('Not allowed');
    await clickAs(MEGAN, 'approval.provision', provisionButton!.data, posted.id, APPROVERS_CHANNEL);
    await bot().approvals.idle();
    expect((await pods()).length).toBe(before + 1);
  });

  it('reject with a reason (Adele): every copy shows who, when and why; nothing is written to Graph', async () => {
    const asked = await sayAs(LEE, `request add user ${ALEX.userPrincipalName} to ${C2F.name} because audit access`);
    const id = requestIdIn(asked.text);
    expect(asked.text).toContain('Global Administrator'); // privileged-role warning
    await bot().approvals.idle();
    const posted = channelCards().find((c) => cardText(cardOf(c.body)).includes(id))!;
    const posts = (await assignmentPosts(bot().simulator!)).length;
    const answer = await clickAs(
      ADELE,
      'approval.reject',
      { requestId: id, verb: 'approval.reject', cardVersion: 1, reason: 'admins are not synced' },
      posted.id,
      APPROVERS_CHANNEL,
    );
    expect(answer.text).toContain('Rejected by Adele Vance');
    expect(answer.text).toContain('admins are not synced');
    await bot().approvals.idle();
    await bot().notifier.idle();
    expect(lastUpdate(APPROVERS_KEY, posted.id)).toContain('Rejected by Adele Vance');
    expect(lastUpdate(personalKey(LEE), asked.activityId)).toContain('admins are not synced');
    expect((await assignmentPosts(bot().simulator!)).length).toBe(posts);
  });

  it('self-approval is refused; an approver without the role (Lee) is refused; the text fallback works', async () => {
    const user = await someUnassignedMember();
    const asked = await sayAs(MEGAN, `request add user ${user} to ${C2F.name} because on-call rota`);
    const id = requestIdIn(asked.text);
    const self = await clickAs(MEGAN, 'approval.approve', { requestId: id, verb: 'approval.approve', cardVersion: 1 });
    expect(self.text).toContain('someone else has to approve it');
    const lee = await clickAs(LEE, 'approval.approve', { requestId: id, verb: 'approval.approve', cardVersion: 1 });
    expect(lee.text).toContain('Approving needs the scope.approve permission');
    const leeText = await sayAs(LEE, `approve ${id}`);
    expect(leeText.text).toContain('Approving needs the scope.approve permission'); // same answer as the button: the policy of the request's configuration decides
    expect((await bot().approvals.get(id))!.request.status).toBe('pending');
    const refused = await bot().audit.last(50, { action: 'scope.approve' });
    expect(refused.filter((a) => a.target === id && a.outcome === 'refused').length).toBeGreaterThanOrEqual(2);

    const adele = await sayAs(ADELE, `approve ${id}`);
    expect(adele.text).toContain('Approved and carried out');
  });

  it('cancel by the requester; an approval after it changes nothing', async () => {
    const user = await someUnassignedMember();
    const asked = await sayAs(LEE, `request add user ${user} to ${C2F.name} because temporary`);
    const id = requestIdIn(asked.text);
    const byOther = await clickAs(ADELE, 'approval.cancel', { requestId: id, verb: 'approval.cancel', cardVersion: 1 });
    expect(byOther.text).toContain('Only Lee Gu');
    const cancelled = await clickAs(LEE, 'approval.cancel', { requestId: id, verb: 'approval.cancel', cardVersion: 1 }, asked.activityId);
    expect(cancelled.text).toContain('Cancelled by Lee Gu');
    const late = await sayAs(MEGAN, `approve ${id}`);
    expect(late.text).toContain('was cancelled by the requester');
    expect((await bot().approvals.get(id))!.request.status).toBe('cancelled');
  });

  it('expiry on the injected clock: the sweep expires the request and updates its cards; a later approval is refused', async () => {
    const user = await someUnassignedMember();
    const asked = await sayAs(LEE, `request add user ${user} to ${C2F.name} because summer intern`);
    const id = requestIdIn(asked.text);
    await bot().approvals.idle();
    expect(await bot().approvals.expireDue()).toHaveLength(0);
    clock.advance(73 * 3_600_000);
    const expired = await bot().approvals.expireDue();
    expect(expired.map((r) => r.request.id)).toEqual([id]);
    await bot().approvals.idle();
    await bot().notifier.idle();
    expect(lastUpdate(personalKey(LEE), asked.activityId)).toContain('Expired');
    const late = await clickAs(MEGAN, 'approval.approve', { requestId: id, verb: 'approval.approve', cardVersion: 2 });
    expect(late.text).toContain('expired');
    expect((await bot().audit.last(10, { action: 'scope.expired' })).some((a) => a.target === id)).toBe(true);
  });

  it('tampered or stale invoke data changes nothing', async () => {
    const user = await someUnassignedMember();
    const asked = await sayAs(LEE, `request add user ${user} to ${C2F.name} because tamper test`);
    const id = requestIdIn(asked.text);
    const posts = (await assignmentPosts(bot().simulator!)).length;

    const extra = await clickAs(MEGAN, 'approval.approve', { requestId: id, verb: 'approval.approve', cardVersion: 1, principalId: DEMO.users.alex.id });
    expect(extra.text).toContain('could not be read');
    const config = await clickAs(MEGAN, 'approval.approve', { requestId: id, verb: 'approval.approve', cardVersion: 1, configuration: 'contoso-to-northwind' });
    expect(config.text).toContain('could not be read');
    const wrongVerb = await clickAs(MEGAN, 'approval.approve', { requestId: id, verb: 'approval.reject', cardVersion: 1 });
    expect(wrongVerb.text).toContain('could not be read');
    const stale = await clickAs(MEGAN, 'approval.approve', { requestId: id, verb: 'approval.approve', cardVersion: 0 });
    expect(stale.text).toContain('out of date');
    const unknown = await clickAs(MEGAN, 'approval.approve', { requestId: 'REQ-ZZZZZ', verb: 'approval.approve', cardVersion: 1 });
    expect(unknown.text).toContain('No such request');
    // Lee swaps in the id of a request he may not approve: refused by the stored state and his fresh roles.
    const other = await clickAs(LEE, 'approval.approve', { requestId: id, verb: 'approval.approve', cardVersion: 1 });
    expect(other.text).toContain('scope.approve');

    const rec = (await bot().approvals.get(id))!;
    expect(rec.request.status).toBe('pending');
    expect(rec.request.cardVersion).toBe(1);
    expect((await assignmentPosts(bot().simulator!)).length).toBe(posts);
    await clickAs(LEE, 'approval.cancel', { requestId: id, verb: 'approval.cancel', cardVersion: 1 });
  });

  it('pending → Details → "Open requests" brings the list back', async () => {
    const asked = await sayAs(LEE, `request add user ${await someUnassignedMember()} to ${C2F.name} because list and back`);
    const id = requestIdIn(asked.text);
    await bot().approvals.idle();
    const list = await sayAs(MEGAN, 'pending');
    const details = buttons(list.card).find((b) => b.verb === 'approval.refresh' && b.data.requestId === id)!;
    const view = await clickAs(MEGAN, 'approval.refresh', details.data, list.activityId);
    const back = buttons(view.card).find((b) => b.verb === 'approval.list');
    expect(back?.title).toBe('Open requests');
    expect(Object.keys(back!.data)).toEqual(['verb']);
    const again = await clickAs(MEGAN, 'approval.list', back!.data, list.activityId);
    expect(again.text).toContain('waiting for a decision');
    expect(again.text).toContain(id);
    await clickAs(LEE, 'approval.cancel', { requestId: id, verb: 'approval.cancel', cardVersion: 1 }, asked.activityId);
  });

  it('request add group <name with spaces>: one group, a did-you-mean for groups, and advice about groups', async () => {
    const typo = await sayAs(LEE, `request add group Sync - Fabrikam Contractor to ${C2F.name} because contractors`);
    expect(typo.text).toContain('No group "Sync - Fabrikam Contractor"');
    expect(typo.text).toContain('Did you mean "Sync - Fabrikam');
    expect(typo.text).toContain("Give the group's display name exactly");
    expect(typo.text).not.toContain('user principal name');
    // The whole unquoted phrase is one group name (it used to be four: "Sync", "-", "Fabrikam", "Contractors").
    const whole = await sayAs(LEE, `request add group Sync - Fabrikam Contractors to ${C2F.name} because contractors`);
    expect(whole.text).not.toContain('No group "Sync"');
    expect(whole.text).toMatch(/Sync - Fabrikam Contractors/);
  });

  it('validation failures each answer with a clear card and store nothing', async () => {
    const notFound = await sayAs(LEE, `request add user megan@contoso.onmicrosoft.com to ${C2F.name} because typo`);
    expect(notFound.text).toContain('Not found');
    expect(notFound.text).toContain('Did you mean Megan Bowen (MeganB@contoso.onmicrosoft.com)');

    const guest = await sayAs(LEE, `request add user ${DEMO.users.guest.id} to ${C2F.name} because partner`);
    expect(guest.text).toContain('Guests cannot be synced');

    const groupMember = await directMemberOfSyncGroup();
    const via = await sayAs(LEE, `request add user ${groupMember.upn} to ${C2F.name} because again`);
    expect(via.text).toContain('Already in scope');
    expect(via.text).toContain('direct member of the group Sync - Fabrikam');

    const disabledUpn = await someUnassignedMember();
    await patchUser(disabledUpn, { accountEnabled: false });
    const disabled = await sayAs(LEE, `request add user ${disabledUpn} to ${C2F.name} because rehire`);
    expect(disabled.text).toContain('Disabled account');
    await patchUser(disabledUpn, { accountEnabled: true });

    const user = await someUnassignedMember();
    const first = await sayAs(LEE, `request add user ${user} to ${C2F.name} because first`);
    const id = requestIdIn(first.text);
    const dup = await sayAs(ADELE, `request add user ${user} to ${C2F.name} because second`);
    expect(dup.text).toContain('Already requested');
    expect(dup.text).toContain(id);

    const config = await sayAs(LEE, `request add user ${user} to contoso-to-fabrikan because typo`);
    expect(config.text).toContain('Did you mean contoso-to-fabrikam');

    const pending = await sayAs(MEGAN, 'pending');
    expect(pending.text).toContain(id);
    const pendingButtons = buttons(pending.card)
      .filter((b) => b.data.requestId === id)
      .map((b) => b.verb);
    expect(pendingButtons).toEqual(expect.arrayContaining(['approval.approve', 'approval.refresh']));
  });

  it('the form: "request" opens it and its submit goes through the same validation', async () => {
    const form = await sayAs(LEE, 'request');
    expect(form.text).toContain('Request a sync scope change');
    const submit = buttons(form.card).find((b) => b.verb === 'approval.submit')!;
    const bad = await clickAs(
      LEE,
      'approval.submit',
      { ...submit.data, configuration: C2F.name, op: 'add', principalType: 'user', principals: DEMO.users.guest.userPrincipalName, reason: 'x' },
      form.activityId,
    );
    expect(bad.text).toContain('Guests cannot be synced');
    const user = await someUnassignedMember();
    const ok = await clickAs(
      LEE,
      'approval.submit',
      { ...submit.data, configuration: C2F.name, op: 'add', principalType: 'user', principals: user, reason: 'via the form' },
      form.activityId,
    );
    expect(ok.text).toContain('Waiting for approval');
    const id = requestIdIn(ok.text);
    const copies = Object.values((await bot().outbox.read(approvalSubject(id)))!.copies);
    expect(copies.some((c) => c.activityId === form.activityId)).toBe(true);
  });

  it('a removal that trips the deletion threshold needs deletes.allow: Adele is refused, Megan approves', async () => {
    const asked = await sayAs(LEE, `request remove group ${DEMO.groups.syncFabrikam.id} from ${C2F.name} because project ended`);
    expect(asked.text).toMatch(/more than the accidental-deletion threshold of 20/);
    const id = requestIdIn(asked.text);
    const adele = await clickAs(ADELE, 'approval.approve', { requestId: id, verb: 'approval.approve', cardVersion: 1 });
    expect(adele.text).toContain('deletes.allow');
    expect((await bot().approvals.get(id))!.request.status).toBe('pending');
    const deletes = (await assignmentDeletes(bot().simulator!)).length;
    const megan = await clickAs(MEGAN, 'approval.approve', { requestId: id, verb: 'approval.approve', cardVersion: 1 });
    expect(megan.text).toContain('Approved and carried out');
    expect(megan.text).toContain('removed from scope');
    expect((await assignmentDeletes(bot().simulator!)).length).toBe(deletes + 1);
    const scope = await bot().graph.listAssignments(CONTOSO, C2F.servicePrincipalId);
    expect(scope.some((a) => a.principalId === DEMO.groups.syncFabrikam.id)).toBe(false);
  });

  // -------------------------------------------------------------------------------------------

  const used = new Set<string>();
  /** An enabled member of Contoso outside contoso-to-fabrikam's scope, not used by another test. */
  async function someUnassignedMember(): Promise<string> {
    const g = bot().graph;
    const scope = await g.listAssignments(CONTOSO, C2F.servicePrincipalId);
    const inScope = new Set(scope.map((a) => a.principalId));
    for (const a of scope.filter((x) => x.principalType === 'Group')) for (const m of await g.groupMembers(CONTOSO, a.principalId)) inScope.add(m.id);
    const candidates = await g.groupMembers(CONTOSO, DEMO.groups.syncNorthwind.id);
    for (const m of candidates) {
      const u = await g.getUser(CONTOSO, m.id);
      if (!u || u.userType !== 'Member' || u.accountEnabled === false || inScope.has(u.id) || used.has(u.id)) continue;
      used.add(u.id);
      return u.userPrincipalName!;
    }
    throw new Error('no unassigned member left');
  }

  async function directMemberOfSyncGroup(): Promise<{ upn: string }> {
    for (const m of await bot().graph.groupMembers(CONTOSO, DEMO.groups.syncFabrikam.id)) {
      const u = await bot().graph.getUser(CONTOSO, m.id);
      if (u && u.userType === 'Member' && u.accountEnabled !== false) return { upn: u.userPrincipalName! };
    }
    throw new Error('no member');
  }

  async function patchUser(upn: string, body: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${bot().simulator!.url}/${CONTOSO}/v1.0/users/${encodeURIComponent(upn)}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer test' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBeLessThan(300);
  }

  it('a 403 on an approval-card post deactivates that subscription (audited), as for alerts; the other places still get the card', async () => {
    const blocked = { kind: 'groupChat' as const, conversationId: '19:blocked-approvers@thread.v2' };
    expect((await sayAs(MEGAN, `subscribe approvals ${C2F.name}`, blocked)).text).toMatch(/subscribed/i);
    t.connector.failFor({ conversationId: blocked.conversationId, status: 403, times: Infinity, code: 'ConversationBlockedByUser' });
    const user = await someUnassignedMember();
    const channelBefore = channelCards().length;
    const asked = await sayAs(LEE, `request add user ${user} to ${C2F.name} because blocked chat test`);
    expect(asked.text).toContain('Sending to approvers in 2 places');
    await bot().approvals.idle();
    await bot().notifier.idle();
    expect(channelCards().length).toBe(channelBefore + 1);
    const subs = await bot().subscriptions.list(blocked.conversationId);
    expect(subs).toEqual([
      expect.objectContaining({
        topic: 'approvals',
        active: false,
        deactivatedReason: expect.stringContaining('403 ConversationBlockedByUser') as unknown,
      }) as unknown,
    ]);
    const audit = await bot().audit.last(5, { action: 'subscriptions.deactivate' });
    expect(audit[0]).toMatchObject({ actor: 'system', target: blocked.conversationId, detail: expect.stringContaining('403') as unknown });
    const copies = (await bot().outbox.read(approvalSubject(requestIdIn(asked.text))))!.copies;
    expect(copies[blocked.conversationId]).toMatchObject({ state: 'gone', lastError: 'HTTP 403 ConversationBlockedByUser' });
  });
});
