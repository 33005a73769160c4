import type { AppRoleAssignment, DirectoryObject, ServicePrincipal, User } from '@microsoft/microsoft-graph-types';
import { ManualClock } from '../../src/domain/clock';
import { createCtsGraph } from '../../src/graph/gateway';
import { DEMO } from '../../src/simulator';
import { BotUnderTest, LEE, MEGAN } from '../harness/bot';
import { cardOf, cardText } from '../harness/activities';
import type { Page } from '../harness/json';
import { SimControl } from '../harness/sim';
import { virtualGraphTime } from '../harness/virtualTime';

const C2F = DEMO.configurations.contosoToFabrikam;
const CONTOSO = DEMO.tenants.contoso.id;
const FABRIKAM = DEMO.tenants.fabrikam.id;

describe('provision on demand from chat', () => {
  // One virtual clock for the bot, its Graph limiter and the simulator: waiting 10 s costs nothing.
  const clock = new ManualClock(Date.UTC(2026, 10, 23, 9, 0, 0));
  const virtual = virtualGraphTime(clock);
  const sleeps = virtual.sleeps;
  const t = new BotUnderTest();
  let sim: SimControl;

  beforeAll(async () => {
    await t.start(
      {},
      {
        clock,
        simulator: { cycleIntervalMs: null, clock },
        graph: (estate) => createCtsGraph(estate, { fetch: virtual.fetch, time: virtual.time }),
      },
    );
    sim = new SimControl(t.bot.simulator!.url);
  });
  afterAll(() => t.stop());

  /** Seven enabled members of Contoso that are not in contoso-to-fabrikam's scope (and so not in Fabrikam yet). */
  async function usersOutOfScope(n: number): Promise<User[]> {
    const users = await sim.all<User>(CONTOSO, "/users?$filter=userType eq 'Member' and accountEnabled eq true&$top=100");
    const assignments = await sim.all<AppRoleAssignment>(CONTOSO, `/servicePrincipals/${C2F.servicePrincipalId}/appRoleAssignedTo`);
    const inScope = new Set(assignments.filter((a) => a.principalType === 'User').map((a) => a.principalId));
    for (const g of assignments.filter((a) => a.principalType === 'Group')) {
      for (const m of await sim.all<DirectoryObject>(CONTOSO, `/groups/${g.principalId}/members`)) inScope.add(m.id);
    }
    const special = new Set<string>(Object.values(DEMO.users).map((u) => u.id));
    return users.filter((u) => !inScope.has(u.id) && !special.has(u.id ?? '')).slice(0, n);
  }

  it("provisions 7 users under Graph's 5 per 10 s, updating the card with progress, and creates them in the target", async () => {
    const users = await usersOutOfScope(7);
    expect(users).toHaveLength(7);
    // Put them in scope (as an approved request would) without a cycle, so only provisioning can create them.
    for (const u of users) {
      await sim.graph(CONTOSO, 'POST', `/servicePrincipals/${C2F.servicePrincipalId}/appRoleAssignedTo`, {
        principalId: u.id,
        resourceId: C2F.servicePrincipalId,
        appRoleId: (await sim.graph<ServicePrincipal>(CONTOSO, 'GET', `/servicePrincipals/${C2F.servicePrincipalId}`)).appRoles?.[0].id,
      });
    }
    await sim.clearRequests();

    const replies = await t.say(MEGAN, `provision ${users.map((u) => u.userPrincipalName).join(' ')} to contoso-to-fabrikam`);
    const first = replies.map(cardOf).find(Boolean);
    expect(cardText(first)).toMatch(/Provisioning on contoso-to-fabrikam: \d of 7 done/);
    const cardId = t.connector.calls.find((c) => cardOf(c.body) === first)!.id;

    await t.connector.waitFor((calls) =>
      calls.some((c) => c.kind === 'update' && c.activityId === cardId && cardText(cardOf(c.body)).startsWith('Provision on demand: contoso-to-fabrikam')),
    );
    const updates = t.connector.updatesOf(replies[0] ? t.connector.calls.find((c) => c.id === cardId)!.conversationId : '', cardId);
    const final = cardText(cardOf(updates.at(-1)!.body));
    expect(final.match(/Success: Create/g)).toHaveLength(7);
    // The card moved through intermediate progress before the final result.
    expect(updates.some((u) => /Provisioning on contoso-to-fabrikam: [1-6] of 7 done/.test(cardText(cardOf(u.body))))).toBe(true);

    // Graph saw exactly 7 calls, never more than 5 within 10 s of the shared clock: the limiter waited instead.
    const pods = (await sim.requests()).filter((r) => r.path.endsWith('/provisionOnDemand'));
    expect(pods).toHaveLength(7);
    expect(pods.every((r) => r.status === 200)).toBe(true);
    expect(sleeps.some((ms) => ms > 0 && ms <= 10_250)).toBe(true);
    // Each audit record carries the request-id Graph answered that user's call with (issue 16 item 8).
    const audited = (await t.bot.audit.last(20, { action: 'job.provisionOnDemand' })).slice(0, 7);
    expect(audited.map((a) => a.graphRequestId).sort()).toEqual(pods.map((r) => r.requestId).sort());

    for (const u of users) {
      const found = await sim.graph<Page<User>>(FABRIKAM, 'GET', `/users?$filter=startswith(displayName,'${(u.displayName ?? '').replace(/'/g, "''")}')`);
      expect(found.value.map((x) => x.userType)).toContain('Member');
    }
  });

  it('checks each user first: unknown, guest, and not-in-scope users are said so', async () => {
    const text = cardText(await t.card(MEGAN, `provision nobody@contoso.onmicrosoft.com ${DEMO.users.guest.id} to contoso-to-fabrikam`));
    expect(text).toContain('Not sent');
    expect(text).toMatch(/nobody@contoso\.onmicrosoft\.com[\s\S]*no such user in Contoso/);
    expect(text).toContain('is a guest: cross-tenant sync provisions internal members only');
  });

  it('is refused for a member without an operator role', async () => {
    const text = cardText(await t.card(LEE, `provision ${DEMO.users.megan.userPrincipalName} to contoso-to-fabrikam`));
    expect(text).toContain('Not allowed');
    expect(text).toContain('sync.operate');
  });
});
