import { DEMO } from '../../src/simulator';
import { BotUnderTest, ADELE, CONTOSO, LEE, MEGAN } from '../harness/bot';
import type { DirectoryObject, UnifiedRoleAssignment } from '@microsoft/microsoft-graph-types';
import { buttons, cardAction, cardOf, cardText, post, type InvokeResponseBody, type TestUser } from '../harness/activities';
import type { AdaptiveCard } from '../harness/cardTypes';
import type { Page } from '../harness/json';
import { SimControl } from '../harness/sim';

const C2F = DEMO.configurations.contosoToFabrikam;

describe('operating sync jobs from chat', () => {
  const t = new BotUnderTest();
  let sim: SimControl;

  beforeAll(async () => {
    await t.start();
    sim = new SimControl(t.bot.simulator!.url);
  });
  afterAll(() => t.stop());
  beforeEach(() => sim.clearRequests());

  /** Clicks a button of the card the bot sent last in `user`'s personal chat; returns the invoke's card. */
  async function click(user: TestUser, card: AdaptiveCard, verb: string): Promise<InvokeResponseBody['value']> {
    const button = buttons(card).find((b) => b.verb === verb);
    if (!button) throw new Error(`no ${verb} button on ${cardText(card)}`);
    const sent = t.connector.calls.filter((c) => cardOf(c.body) === card).at(-1) ?? t.connector.calls.at(-1)!;
    const res = await post(t.bot.url, cardAction({ verb, data: button.data, user, tenantId: CONTOSO, serviceUrl: t.connector.url, replyToId: sent.id }));
    expect(res.status).toBe(200);
    return res.body?.value;
  }

  it('status lists every configuration with its state and last cycle, read in one $batch per source tenant', async () => {
    await sim.cycle(DEMO.tenants.contoso.id, C2F.jobId);
    await sim.clearRequests();
    const text = cardText(await t.card(MEGAN, 'status'));
    expect(text).toContain('contoso-to-fabrikam');
    expect(text).toContain('Contoso → Fabrikam');
    expect(text).toContain('fabrikam-to-northwind');
    expect(text).toMatch(/Last cycle just now: Succeeded, \d+ exported, \d+ in scope/);
    expect(text).toMatch(/3 configurations: 3 Active/);
    const batches = (await sim.requests()).filter((r) => r.path.endsWith('/$batch'));
    expect(batches.map((b) => b.tenantId).sort()).toEqual([DEMO.tenants.contoso.id, DEMO.tenants.fabrikam.id].sort());
  });

  it('status <config> shows scope, deletion threshold, failures and the buttons, with a did-you-mean for near misses', async () => {
    const text = cardText(await t.card(MEGAN, 'status contoso-to-fabrikam'));
    expect(text).toMatch(/Scope: \d+ users? and \d+ groups? assigned/);
    expect(text).toContain('Deletion threshold: on: a cycle stops above 20 deletions');
    expect(text).toContain('Recent failures');
    const near = cardText(await t.card(MEGAN, 'status contoso-to-fabrikm'));
    expect(near).toContain('There is no configuration called "contoso-to-fabrikm".');
    expect(near).toContain('Did you mean contoso-to-fabrikam?');
  });

  it('start on a running job answers that it is running and sends nothing to Graph', async () => {
    const text = cardText(await t.card(MEGAN, 'start contoso-to-fabrikam'));
    expect(text).toContain('contoso-to-fabrikam is already running');
    expect(await sim.writes()).toEqual([]);
  });

  it('pause asks for confirmation, runs once however often it is confirmed, and start resumes', async () => {
    const confirm = await t.card(MEGAN, 'pause contoso-to-fabrikam');
    expect(cardText(confirm)).toContain('Pause contoso-to-fabrikam?');
    expect(await sim.writes()).toEqual([]); // nothing happens before the click

    const first = await click(MEGAN, confirm, 'op.confirm');
    expect(cardText(first)).toContain('Pause contoso-to-fabrikam: done');
    const again = await click(MEGAN, confirm, 'op.confirm'); // a double click or a retried invoke
    expect(cardText(again)).toContain('Pause contoso-to-fabrikam: done');
    expect(await sim.writes(/\/pause$/)).toHaveLength(1);
    expect((await sim.job(DEMO.tenants.contoso.id, C2F.servicePrincipalId, C2F.jobId)).status?.code).toBe('Paused');
    // Every other copy of the confirmation card shows the outcome too.
    expect(t.connector.calls.some((c) => c.kind === 'update' && cardText(cardOf(c.body)).includes('Pause contoso-to-fabrikam: done'))).toBe(true);

    const started = cardText(await t.card(MEGAN, 'start contoso-to-fabrikam'));
    expect(started).toContain('Start contoso-to-fabrikam: done');
    expect((await sim.job(DEMO.tenants.contoso.id, C2F.servicePrincipalId, C2F.jobId)).status?.code).not.toBe('Paused');
  });

  it('restart quarantine lifts a quarantine after confirmation', async () => {
    await sim.quarantine(DEMO.tenants.contoso.id, C2F.jobId);
    expect((await sim.job(DEMO.tenants.contoso.id, C2F.servicePrincipalId, C2F.jobId)).status?.code).toBe('Quarantine');
    const confirm = await t.card(ADELE, 'restart contoso-to-fabrikam quarantine');
    expect(cardText(confirm)).toContain('lifts the quarantine');
    const done = await click(ADELE, confirm, 'op.confirm');
    expect(cardText(done)).toContain('done');
    const restarts = (await sim.requests()).filter((r) => r.path.endsWith('/restart'));
    expect(restarts).toHaveLength(1);
    expect((await sim.job(DEMO.tenants.contoso.id, C2F.servicePrincipalId, C2F.jobId)).status?.quarantine).toBeNull();
  });

  it('refuses a caller without the role, says which roles grant it, and changes nothing', async () => {
    const text = cardText(await t.card(LEE, 'pause contoso-to-fabrikam'));
    expect(text).toContain('Not allowed');
    expect(text).toContain('sync.operate');
    expect(text).toContain('Hybrid Identity Administrator');
    // Lee clicking someone else's confirmation is refused too.
    const confirm = await t.card(MEGAN, 'pause contoso-to-fabrikam');
    const refused = await click(LEE, confirm, 'op.confirm');
    expect(cardText(refused)).toContain('Not allowed');
    expect(await sim.writes()).toEqual([]);
    // The refused attempts are in the audit log.
    const audited = await t.bot.audit.last(5, { action: 'access.refused' });
    expect(audited.map((r) => [r.actor !== 'system' && r.actor.name, r.target, r.configuration, r.outcome])).toContainEqual([
      'Lee Gu',
      'sync.operate',
      'contoso-to-fabrikam',
      'refused',
    ]);
  });

  it('a role removed in the directory stops the next change at once, within the read cache window', async () => {
    expect(cardText(await t.card(ADELE, 'status'))).toContain('contoso-to-fabrikam'); // roles now cached for reads
    const membership = (await sim.graph<Page<DirectoryObject>>(CONTOSO, 'GET', `/groups/${DEMO.groups.ctsApprovers.id}/members`)).value;
    expect(membership.some((m) => m.id === ADELE.aadObjectId)).toBe(true);
    const assignments = (
      await sim.graph<Page<UnifiedRoleAssignment>>(
        CONTOSO,
        'GET',
        `/roleManagement/directory/roleAssignments?$filter=principalId eq '${DEMO.groups.ctsApprovers.id}'`,
      )
    ).value;
    expect(assignments.map((a) => a.roleDefinitionId)).toEqual(['9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3']); // Application Administrator
    for (const a of assignments) await sim.graph(CONTOSO, 'DELETE', `/roleManagement/directory/roleAssignments/${a.id}`);
    try {
      const text = cardText(await t.card(ADELE, 'pause contoso-to-fabrikam'));
      expect(text).toContain('Not allowed');
    } finally {
      for (const a of assignments) {
        await sim.graph(CONTOSO, 'POST', '/roleManagement/directory/roleAssignments', {
          principalId: a.principalId,
          roleDefinitionId: a.roleDefinitionId,
          directoryScopeId: a.directoryScopeId ?? '/',
        });
      }
    }
  });

  it('an OData injection attempt in a user name finds nobody and changes nothing', async () => {
    // Unescaped, this mail filter would read: mail eq 'x' or userType eq 'Member' or mail eq '@contoso.onmicrosoft.com'
    const text = cardText(await t.card(MEGAN, "provision x'or(userType)eq('Member')or(mail)eq('@contoso.onmicrosoft.com to contoso-to-fabrikam"));
    expect(text).toContain('Not sent');
    expect(text).toMatch(/no such user in Contoso/);
    expect(await sim.writes()).toEqual([]);
  });

  it('audit shows who did what, newest first', async () => {
    const text = cardText(await t.card(MEGAN, 'audit contoso-to-fabrikam 5'));
    expect(text).toContain('Audit log: contoso-to-fabrikam');
    expect(text).toContain('**Megan Bowen** · ok');
    expect(text).toContain('job.start on contoso-to-fabrikam');
  });

  it('a known command with bad arguments says what was wrong and what to type', async () => {
    const text = cardText(await t.card(MEGAN, 'restart contoso-to-fabrikam sideways'));
    expect(text).toContain('needs another look');
    expect(text).toMatch(/Type: restart/);
  });
});
