/**
 * Attacks through activities and card data (the bot runs without an app id here, so these are about what an
 * authenticated-but-hostile client can put in an activity): identity spoofing, tampered card data, four-eyes and a
 * role removed between opening a card and clicking it. Every attack is refused or harmless; nothing reaches Graph.
 */
import type { UnifiedRoleAssignment } from '@microsoft/microsoft-graph-types';
import { DEMO } from '../../src/simulator/demoIds';
import { cardAction, cardOf, cardText, message, post, type InvokeResponseBody, type TestActivity, type TestUser } from '../harness/activities';
import { BotUnderTest, CONTOSO, LEE, MEGAN } from '../harness/bot';
import { SimControl } from '../harness/sim';
import { APPROVERS_CHANNEL, C2F, assignmentPosts, requestIdIn, say } from '../approvals/helpers';
import { record } from './ledger';

const FABRIKAM = DEMO.tenants.fabrikam.id;
const GUEST: TestUser = { aadObjectId: DEMO.users.guest.id, name: DEMO.users.guest.displayName };
const NESTOR = DEMO.users.nestor;
const ROLE_HYBRID_IDENTITY_ADMIN = '8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2';

describe('identity spoofing, card tampering and four-eyes attacks', () => {
  const t = new BotUnderTest();
  let sim: SimControl;
  let id: string;

  const sayAs = (user: TestUser, text: string, place?: Parameters<typeof say>[4]) => say(t.bot, t.connector, user, text, place);
  /** Posts a card click (optionally edited before sending) and returns the HTTP answer and the card text. */
  async function clickRaw(
    user: TestUser,
    verb: string,
    data: unknown,
    edit: (a: TestActivity) => void = () => undefined,
  ): Promise<{ status: number; text: string; body: InvokeResponseBody | undefined }> {
    const activity = cardAction({
      verb,
      data: data as Record<string, unknown>,
      user,
      tenantId: CONTOSO,
      serviceUrl: t.connector.url,
      replyToId: 'attacked-card',
    });
    edit(activity);
    const res = await post(t.bot.url, activity);
    const card = res.body?.value;
    return { status: res.status, body: res.body, text: card && typeof card === 'object' ? cardText(card) : JSON.stringify(res.body ?? '') };
  }
  const statusOf = async (requestId: string) => (await t.bot.approvals.get(requestId))?.request.status;
  /** The request is still waiting and Graph got no assignment: the attack changed nothing. */
  async function unchanged(requestId = id): Promise<void> {
    expect(await statusOf(requestId)).toBe('pending');
    expect(await assignmentPosts(t.bot.simulator!)).toHaveLength(0);
  }
  const approveData = (requestId = id, cardVersion = 1) => ({ requestId, verb: 'approval.approve', cardVersion });

  beforeAll(async () => {
    await t.start();
    sim = new SimControl(t.bot.simulator!.url);
    await sayAs(MEGAN, `subscribe approvals ${C2F.name}`, APPROVERS_CHANNEL);
    const asked = await sayAs(LEE, `request add user ${NESTOR.userPrincipalName} to ${C2F.name} because attack suite`);
    id = requestIdIn(asked.text);
    await t.bot.approvals.idle();
    await sim.clearRequests();
  });
  afterAll(() => t.stop());

  describe('identity spoofing', () => {
    it('card data claiming another user (an approver id, a name) is refused, not believed', async () => {
      const forged = await clickRaw(LEE, 'approval.approve', { ...approveData(), approver: MEGAN.aadObjectId, from: { aadObjectId: MEGAN.aadObjectId } });
      expect(forged.text).toContain('could not be read');
      // Lee's own click with clean data is checked against Lee, who may not approve.
      const asLee = await clickRaw(LEE, 'approval.approve', approveData(), (a) => (a.from.name = 'Megan Bowen'));
      expect(asLee.text).not.toContain('Approved');
      await unchanged();
      record({ test: 'spoof: card data claims another user', attacks: 2, refused: 2 });
    });

    it('a user of another tenant (from.aadObjectId not in the home tenant) is refused', async () => {
      const fabrikamUser = (await sim.all<{ id: string }>(FABRIKAM, '/users?$top=1'))[0];
      const outsider: TestUser = { aadObjectId: fabrikamUser.id, name: 'Megan Bowen' };
      const inOurTenant = await clickRaw(outsider, 'approval.approve', approveData());
      expect(inOurTenant.text).not.toContain('Approved');
      const theirTenant = await clickRaw(MEGAN, 'approval.approve', approveData(), (a) => {
        a.channelData = { ...a.channelData, tenant: { id: FABRIKAM } };
        a.conversation.tenantId = FABRIKAM;
      });
      expect(theirTenant.text).toContain(`This bot serves tenant ${CONTOSO} only.`);
      await unchanged();
      record({ test: 'spoof: another tenant', attacks: 2, refused: 2 });
    });

    it('an activity whose channelData.tenant and conversation.tenantId disagree is refused (neither is trusted)', async () => {
      const mismatch = await clickRaw(MEGAN, 'approval.approve', approveData(), (a) => (a.conversation.tenantId = FABRIKAM));
      expect(mismatch.text).toContain('Who are you?');
      await unchanged();
      record({ test: 'spoof: tenant mismatch', attacks: 1, refused: 1 });
    });
  });

  describe('card tampering', () => {
    it('a verb in the data that differs from the clicked verb, a malformed id, an unknown id: nothing done', async () => {
      expect((await clickRaw(MEGAN, 'approval.reject', approveData())).text).toContain('could not be read');
      expect((await clickRaw(MEGAN, 'approval.approve', approveData('REQ-../../x'))).text).toContain('could not be read');
      expect((await clickRaw(MEGAN, 'approval.approve', approveData('REQ-ZZZZZ'))).text).toContain('There is no request REQ-ZZZZZ');
      await unchanged();
      record({ test: 'tamper: verb and ids', attacks: 3, refused: 3 });
    });

    it('a version changed upwards, extra fields, and oversize data are refused', async () => {
      expect((await clickRaw(MEGAN, 'approval.approve', approveData(id, 99))).text).toContain('out of date');
      expect((await clickRaw(MEGAN, 'approval.approve', { ...approveData(), status: 'approved', principals: [] })).text).toContain('could not be read');
      expect((await clickRaw(MEGAN, 'approval.reject', { ...approveData(), verb: 'approval.reject', reason: 'x'.repeat(100_000) })).text).toContain(
        'could not be read',
      );
      const huge = await clickRaw(MEGAN, 'approval.approve', { ...approveData(), pad: 'x'.repeat(2 * 1024 * 1024) });
      expect(huge.status).toBe(413);
      await unchanged();
      record({ test: 'tamper: version, extra fields, oversize', attacks: 4, refused: 4 });
    });

    it('an unknown restart scope in card data is refused, not run as a default restart', async () => {
      const before = (await sim.requests()).length;
      const res = await clickRaw(MEGAN, 'job.restart', { config: C2F.name, scope: 'everything' });
      expect(res.text).toContain('"everything" is not a restart scope, so nothing was done.');
      expect(res.text).not.toMatch(/Confirm/i);
      expect((await sim.requests()).slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
      record({ test: 'tamper: restart scope', attacks: 1, refused: 1 });
    });

    it('a guest cannot read a request by refreshing a card with its id', async () => {
      const res = await clickRaw(GUEST, 'approval.refresh', { requestId: id, verb: 'approval.refresh', cardVersion: 1 });
      expect(res.text).toContain('Not allowed');
      expect(res.text).not.toContain('attack suite');
      expect(res.text).not.toContain(NESTOR.userPrincipalName);
      // The requester and approvers still see it.
      expect((await clickRaw(LEE, 'approval.refresh', { requestId: id, verb: 'approval.refresh', cardVersion: 1 })).text).toContain('attack suite');
      record({ test: 'tamper: refresh by a guest', attacks: 1, refused: 1 });
    });

    it('a display name and a reason from outside are neutralised on every card copy (no link, no RTL override)', async () => {
      const asked = await sayAs(LEE, `request add user ${DEMO.users.alex.userPrincipalName} to ${C2F.name} because second request`);
      const second = requestIdIn(asked.text);
      await t.bot.approvals.idle();
      const callsBefore = t.connector.calls.length;
      const evil: TestUser = { aadObjectId: MEGAN.aadObjectId, name: '[Megan](https://evil.example/phish)\u202e' };
      const res = await clickRaw(evil, 'approval.reject', {
        requestId: second,
        verb: 'approval.reject',
        cardVersion: 1,
        reason: 'see [here](https://evil.example) \u202eexe.gpj',
      });
      expect(res.text).toContain('Rejected');
      await t.bot.approvals.idle();
      await t.bot.notifier.idle();
      const copies = [JSON.stringify(res.body), ...t.connector.calls.slice(callsBefore).map((c) => JSON.stringify(c.body))];
      expect(copies.length).toBeGreaterThan(1);
      for (const copy of copies) {
        expect(copy).not.toContain('](https://evil.example');
        expect(copy).not.toContain('\u202e');
        expect(copy).not.toContain('\\u202e');
      }
      record({ test: 'tamper: markup in name and reason', attacks: 1, refused: 1 });
    });

    it('a stale card (version 1 after the request moved on) is refreshed, not obeyed', async () => {
      const asked = await sayAs(LEE, `request add user ${DEMO.users.alex.userPrincipalName} to ${C2F.name} because third request`);
      const third = requestIdIn(asked.text);
      await t.bot.approvals.idle();
      expect((await clickRaw(LEE, 'approval.cancel', { requestId: third, verb: 'approval.cancel', cardVersion: 1 })).text).toContain('Cancelled');
      const stale = await clickRaw(MEGAN, 'approval.approve', approveData(third, 1));
      expect(stale.text).toContain('out of date');
      expect(await statusOf(third)).toBe('cancelled');
      expect(await assignmentPosts(t.bot.simulator!)).toHaveLength(0);
      record({ test: 'tamper: stale version', attacks: 1, refused: 1 });
    });
  });

  describe('four eyes and role changes', () => {
    it('a requester who may approve cannot approve their own request from a second conversation', async () => {
      const asked = await sayAs(MEGAN, `request add user ${DEMO.users.alex.userPrincipalName} to ${C2F.name} because own request`);
      const own = requestIdIn(asked.text);
      await t.bot.approvals.idle();
      const res = await clickRaw(MEGAN, 'approval.approve', approveData(own), (a) => {
        a.conversation = { id: '19:cts-approvers@thread.tacv2', conversationType: 'channel', isGroup: true, tenantId: CONTOSO };
        a.channelData = { tenant: { id: CONTOSO }, team: { id: '19:cts-team@thread.tacv2' }, channel: { id: '19:cts-approvers@thread.tacv2' } };
      });
      expect(res.text).not.toMatch(/Approved by/);
      const text = await sayAs(MEGAN, `approve ${own}`, { kind: 'groupChat', conversationId: '19:other-chat@thread.v2' });
      expect(text.text).not.toMatch(/Approved by/);
      await unchanged(own);
      record({ test: 'four-eyes: own request from another conversation', attacks: 2, refused: 2 });
    });

    it('a role removed between opening the card and clicking it: the click is refused', async () => {
      const view = await clickRaw(MEGAN, 'approval.refresh', { requestId: id, verb: 'approval.refresh', cardVersion: 1 });
      expect(view.text).toContain('attack suite');
      const assignments = await sim.all<UnifiedRoleAssignment>(
        CONTOSO,
        `/roleManagement/directory/roleAssignments?$filter=principalId eq '${MEGAN.aadObjectId}'`,
      );
      const role = assignments.find((a) => a.roleDefinitionId === ROLE_HYBRID_IDENTITY_ADMIN);
      expect(role).toMatchObject({ principalId: MEGAN.aadObjectId, roleDefinitionId: ROLE_HYBRID_IDENTITY_ADMIN });
      await sim.graph(CONTOSO, 'DELETE', `/roleManagement/directory/roleAssignments/${role?.id}`);
      try {
        const res = await clickRaw(MEGAN, 'approval.approve', approveData());
        expect(res.text).not.toMatch(/Approved by/);
        expect(res.text).toContain('Approving needs the scope.approve permission');
        await unchanged();
      } finally {
        await sim.graph(CONTOSO, 'POST', '/roleManagement/directory/roleAssignments', {
          principalId: MEGAN.aadObjectId,
          roleDefinitionId: ROLE_HYBRID_IDENTITY_ADMIN,
          directoryScopeId: '/',
        });
      }
      record({ test: 'role removed before the click', attacks: 1, refused: 1 });
    });
  });
});

void cardOf;
void message;
