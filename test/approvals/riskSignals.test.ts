/**
 * Look-alike and dynamic-group warnings (issue 14 item 2) end to end: a request posted to /api/messages, Graph served
 * by the simulator over HTTP, the approval card captured by the Bot Connector stand-in, the record read from storage.
 */
import { ManualClock } from '../../src/domain/clock';
import { ROLE } from '../../src/domain/roles';
import { DEMO } from '../../src/simulator/demoIds';
import { DYNAMIC } from '../../src/simulator/dynamicGroups';
import { BotUnderTest, LEE, MEGAN } from '../harness/bot';
import { cardOf, cardText } from '../harness/activities';
import { APPROVERS_CHANNEL, APPROVERS_KEY, C2F, CONTOSO, FABRIKAM, click, requestIdIn, say, simRequests } from './helpers';
import { TARGET_FACTS_TTL_MS } from '../../src/services/newcomerChecks';

const NESTOR = DEMO.users.nestor;
const CYRILLIC: Record<string, string> = { a: '\u0430', e: '\u0435', o: '\u043e', c: '\u0441', p: '\u0440', x: '\u0445', y: '\u0443' };

describe('risk signals of add requests over /api/messages', () => {
  const t = new BotUnderTest();
  const clock = new ManualClock(Date.now());
  const sayAs = (user: typeof LEE, text: string, place?: Parameters<typeof say>[4]) => say(t.bot, t.connector, user, text, place);
  const graphAt = (tenant: string, method: string, p: string, body?: unknown) =>
    fetch(`${t.bot.simulator!.url}/${tenant}/v1.0${p}`, {
      method,
      headers: { authorization: 'Bearer test', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    await t.start({}, { clock });
    expect((await sayAs(MEGAN, `subscribe approvals ${C2F.name}`, APPROVERS_CHANNEL)).text).toMatch(/subscribed/i);
  });
  afterAll(() => t.stop());

  it("a source user renamed with a Cyrillic letter to pass for Fabrikam's Global Administrator: the card warns, the record keeps it; the dynamic group the account would join is named", async () => {
    const [admin] = await t.bot.graph.roleHolders!(FABRIKAM, new Set([ROLE.globalAdministrator]));
    expect(admin?.displayName).toBeTruthy();
    const name = admin.displayName!;
    const i = Array.from(name).findIndex((ch) => CYRILLIC[ch]);
    expect(i).toBeGreaterThanOrEqual(0);
    const letter = Array.from(name)[i];
    const fake = Array.from(name)
      .map((ch, j) => (j === i ? CYRILLIC[ch] : ch))
      .join('');
    expect((await graphAt(CONTOSO, 'PATCH', `/users/${NESTOR.id}`, { displayName: fake })).status).toBe(204);

    const asked = await sayAs(LEE, `request add user ${NESTOR.userPrincipalName} to ${C2F.name} because joins the Fabrikam project`);
    const id = requestIdIn(asked.text);
    await t.bot.approvals.idle();
    await t.bot.notifier.idle();

    const lookalike = `Display name ${fake} looks like “${name}” (Global Administrator in Fabrikam): Cyrillic ${CYRILLIC[letter]} in place of ${letter}.`;
    const dynamic = `would join the dynamic group “${DYNAMIC.onboarding.displayName}” in Fabrikam, rule ${DYNAMIC.onboarding.membershipRule}; it is assigned to ${DYNAMIC.onboardingApp.displayName}.`;
    const posted = t.connector
      .sentTo(APPROVERS_KEY)
      .map((c) => cardOf(c.body))
      .find((c) => c && cardText(c).includes(id));
    expect(posted).toBeDefined();
    const text = cardText(posted);
    expect(text).toContain('Before you decide');
    expect(text).toContain(lookalike);
    expect(text).toContain(`${fake} ${dynamic}`);
    // The rules synced users do not meet raise nothing.
    expect(text).not.toContain(DYNAMIC.salesNl.displayName);
    expect(text).not.toContain(DYNAMIC.privilegedPool.displayName);

    const stored = await t.bot.approvals.get(id);
    expect(stored!.risk.lookalikes).toEqual([
      expect.objectContaining({
        principalId: NESTOR.id,
        field: 'displayName',
        value: fake,
        resembles: name,
        resemblesId: admin.id,
        standing: 'Global Administrator',
        why: `Cyrillic ${CYRILLIC[letter]} in place of ${letter}`,
      }),
    ]);
    expect(stored!.risk.dynamicGroups).toEqual([
      expect.objectContaining({
        groupId: DYNAMIC.onboarding.id,
        verdict: 'match',
        principals: [{ id: NESTOR.id, displayName: fake }],
        appRoleAssignments: [DYNAMIC.onboardingApp.displayName],
        isAssignableToRole: false,
      }),
    ]);
    expect(stored!.risk.warnings).toContain(lookalike);

    // The dynamic groups were listed as an advanced query (the simulator refuses the lambda filter without it).
    const reads = (await simRequests(t.bot.simulator!)).filter((r) => r.tenantId === FABRIKAM && r.method === 'GET' && r.path.toLowerCase() === '/groups');
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((r) => r.status === 200)).toBe(true);
  });

  let alexRequest = '';
  it('the same request with the real name raises no look-alike warning (no false positive on the demo estate)', async () => {
    expect((await graphAt(CONTOSO, 'PATCH', `/users/${NESTOR.id}`, { displayName: NESTOR.displayName })).status).toBe(204);
    const alex = DEMO.users.alex;
    const asked = await sayAs(LEE, `request add user ${alex.userPrincipalName} to ${C2F.name} because audit of Fabrikam`);
    const id = requestIdIn(asked.text);
    alexRequest = id;
    await t.bot.approvals.idle();
    const stored = await t.bot.approvals.get(id);
    expect(stored!.risk.lookalikes).toEqual([]);
    expect(stored!.risk.warnings.join('\n')).not.toContain('looks like');
  });

  it('re-checked on decide: a Fabrikam account renamed like the newcomer and made Global Administrator after the request refuses the approval once, with the new warning', async () => {
    const users = (await (await graphAt(FABRIKAM, 'GET', '/users?$top=20')).json()) as { value: { id: string; userType: string }[] };
    const holders = new Set((await t.bot.graph.roleHolders!(FABRIKAM, new Set([ROLE.globalAdministrator]))).map((h) => h.id));
    const victim = users.value.find((u) => u.userType === 'Member' && !holders.has(u.id))!;
    expect((await graphAt(FABRIKAM, 'PATCH', `/users/${victim.id}`, { displayName: 'AIex Wilber' })).status).toBe(204);
    expect(
      (
        await graphAt(FABRIKAM, 'POST', '/roleManagement/directory/roleAssignments', {
          principalId: victim.id,
          roleDefinitionId: ROLE.globalAdministrator,
          directoryScopeId: '/',
        })
      ).status,
    ).toBe(201);
    clock.advance(TARGET_FACTS_TTL_MS + 1000); // the target's role holders are cached for a few minutes

    const data = { requestId: alexRequest, verb: 'approval.approve', cardVersion: 1 };
    const first = await click(t.bot, t.connector, MEGAN, 'approval.approve', data, 'act-1');
    expect(first.text).toContain('The risk changed since this card was shown');
    expect(first.text).toContain('Display name Alex Wilber looks like “AIex Wilber” (Global Administrator in Fabrikam): “l” in place of i.');
    const stored = (await t.bot.approvals.get(alexRequest))!;
    expect(stored.request.status).toBe('pending');
    expect(stored.risk.lookalikes).toEqual([expect.objectContaining({ resemblesId: victim.id, field: 'displayName' })]);

    const second = await click(t.bot, t.connector, MEGAN, 'approval.approve', data, 'act-1');
    await t.bot.approvals.idle();
    expect(second.text).not.toContain('The risk changed');
    expect((await t.bot.approvals.get(alexRequest))!.request.status).toBe('done');
  });
});
