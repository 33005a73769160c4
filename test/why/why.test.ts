import { DEMO } from '../../src/simulator';
import { WHY_DEMO } from '../../src/simulator/whyDemo';
import { buttons, cardAction, cardText, post, type TestUser } from '../harness/activities';
import { BotUnderTest, CONTOSO, LEE, MEGAN } from '../harness/bot';
import type { User } from '@microsoft/microsoft-graph-types';
import type { Page } from '../harness/json';
import { SimControl } from '../harness/sim';

/** Issue 14 items 1 and 4: `why` over /api/messages, Graph served by the embedded simulator's demo estate. */
describe('why in chat', () => {
  const t = new BotUnderTest();
  const C2F = DEMO.configurations.contosoToFabrikam;
  const C = DEMO.tenants.contoso.id;
  const F = DEMO.tenants.fabrikam.id;
  const NESTOR: TestUser = { aadObjectId: DEMO.users.nestor.id, name: DEMO.users.nestor.displayName };
  let sim: SimControl;
  beforeAll(async () => {
    await t.start();
    sim = new SimControl(t.bot.simulator!.url);
  });
  afterAll(() => t.stop());

  const why = async (who: string, as: TestUser = MEGAN) => {
    const card = await t.card(as, `why ${who} in contoso-to-fabrikam`);
    // Cards break links in names with zero-width spaces; read them as a person does.
    return { card, text: cardText(card).replace(/\u200b/g, '') };
  };
  /** The detail line under a row's title (rows are a bold title then the detail). */
  const rowAfter = (text: string, title: string) => {
    const lines = text.split('\n');
    const i = lines.findIndex((l) => /^(✅|❌|ℹ️|❔) /.test(l) && l.includes(title));
    return i < 0 ? '' : `${lines[i]}\n${lines[i + 1] ?? ''}`;
  };

  it('not in scope: names the blocker and offers "Request add to scope"', async () => {
    const { card, text } = await why(DEMO.users.lee.userPrincipalName);
    expect(text).toContain('Why: Lee Gu is not in the scope of contoso-to-fabrikam');
    expect(rowAfter(text, 'In the scope of contoso-to-fabrikam')).toMatch(/❌[\s\S]*Not assigned, and not a member of any assigned group/);
    expect(buttons(card).map((b) => b.title)).toEqual(['Request add to scope']);
  });

  it('nested group only: names the assigned group that holds the user through nesting', async () => {
    const { text } = await why(DEMO.users.lynne.userPrincipalName);
    expect(text).toContain('Why: Lynne Robbins is only in a nested group: nested groups are not synced');
    expect(rowAfter(text, 'In the scope of')).toContain('Only through a nested group inside "Sync - Fabrikam"');
  });

  it('guest: the user row blocks, whatever the scope says', async () => {
    const { text } = await why(DEMO.users.guest.id);
    expect(text).toContain('Why: Patti Fernandez (Guest) is a guest in Contoso: guests are not synced');
    expect(rowAfter(text, 'Patti Fernandez (Guest) in Contoso')).toContain('is a guest in Contoso');
    // The engine logged the skip at the scoping step: listed, not the verdict.
    expect(rowAfter(text, 'Provisioning logs')).toMatch(/other skipped .* at step EntrySynchronizationScoping: skipped: out of scope/);
  });

  it('disabled: says so and how to fix it', async () => {
    const { card, text } = await why(DEMO.users.diego.userPrincipalName);
    expect(text).toContain('Why: Diego Siciliani is disabled in Contoso');
    expect(rowAfter(text, 'Diego Siciliani in Contoso')).toContain('accountEnabled false');
    expect(buttons(card)).toEqual([]);
  });

  it('export conflict in the logs: the failing step, the code in plain words, and the contact in the way', async () => {
    const { text } = await why(DEMO.users.isaiah.userPrincipalName);
    expect(text).toContain('Why: The last export of Isaiah Langer to Fabrikam failed');
    const logs = rowAfter(text, 'Provisioning logs');
    expect(logs).toContain('❌');
    expect(logs).toContain('create failure');
    expect(logs).toContain('at step EntryExportAdd');
    expect(logs).toContain(
      "matching conflict: another object in the target tenant already has this user's mail or proxy address (AzureActiveDirectoryConflict)",
    );
    expect(text).toContain(`contact "Isaiah Langer (Contoso)" (${WHY_DEMO.contactId}) with proxy address SMTP:IsaiahL@contoso.onmicrosoft.com`);
  });

  it('pending-acceptance guest in the target: the matched object is the guest', async () => {
    const { text } = await why(DEMO.users.johanna.userPrincipalName);
    expect(text).toContain('Why: A guest with the same mail is pending acceptance in Fabrikam');
    expect(text).toContain(`Target object: ${WHY_DEMO.pendingGuestId}`);
    expect(rowAfter(text, 'In Fabrikam')).toMatch(new RegExp(`❌[\\s\\S]*pending acceptance: guest .*\\(${WHY_DEMO.pendingGuestId}\\), matched by CTS`));
  });

  it('synced fine: the verdict and the target object id the logs name', async () => {
    const members = await sim.graph<Page<User>>(F, 'GET', `/users?$filter=mail eq '${DEMO.users.megan.userPrincipalName}'`);
    const copies = members.value.filter((u) => u.userType === 'Member');
    expect(copies).toHaveLength(1);
    const copy = copies[0];
    const { card, text } = await why(DEMO.users.megan.userPrincipalName);
    expect(text).toContain('Why: Megan Bowen is synced to Fabrikam');
    expect(text).toContain(`Target object: ${copy.id}`);
    expect(rowAfter(text, 'In Fabrikam')).toContain(`Synced as member ${copy.userPrincipalName} (object ${copy.id})`);
    // Megan may provision (sync.operate); Nestor, a Global Reader, may read but gets no Provision button.
    expect(buttons(card).map((b) => b.title)).toEqual(['Provision now']);
    expect(buttons((await why(DEMO.users.megan.userPrincipalName, NESTOR)).card)).toEqual([]);
  });

  it('quarantined job: the job row blocks and names the reason', async () => {
    await sim.quarantine(C, C2F.jobId);
    try {
      const { text } = await why(DEMO.users.megan.userPrincipalName);
      expect(text).toContain('Why: The contoso-to-fabrikam job is quarantined');
      expect(rowAfter(text, 'The contoso-to-fabrikam job')).toContain('Quarantined (EncounteredQuarantineException');
    } finally {
      await sim.graph(C, 'POST', `/servicePrincipals/${C2F.servicePrincipalId}/synchronization/jobs/${encodeURIComponent(C2F.jobId)}/start`);
    }
  });

  it('a read answered 403 becomes "could not check: needs <permission> in <tenant>"', async () => {
    await sim.control('POST', `/tenants/${C}/bot-permissions`, { remove: ['AuditLog.Read.All'] });
    try {
      const { text } = await why(DEMO.users.megan.userPrincipalName);
      expect(rowAfter(text, 'Provisioning logs')).toContain('Could not check: needs AuditLog.Read.All and Directory.Read.All in Contoso.');
      expect(text).toContain('Why: Could not check everything');
    } finally {
      await sim.control('POST', `/tenants/${C}/bot-permissions`, { restore: ['AuditLog.Read.All'] });
    }
  });

  it('"Request add to scope" answers with the request form, pre-filled', async () => {
    const { card } = await why(DEMO.users.lee.userPrincipalName);
    const b = buttons(card).find((x) => x.title === 'Request add to scope')!;
    const res = await post(
      t.bot.url,
      cardAction({ verb: b.verb, data: b.data, user: MEGAN, tenantId: CONTOSO, serviceUrl: t.connector.url, replyToId: 'why-card' }),
    );
    const form = JSON.stringify(res.body?.value);
    expect(form).toContain(DEMO.users.lee.userPrincipalName);
    expect(form).toContain('"value":"contoso-to-fabrikam"');
  });

  it('"Provision now" goes through the provision path and is refused without sync.operate', async () => {
    const { card } = await why(DEMO.users.megan.userPrincipalName);
    const b = buttons(card).find((x) => x.title === 'Provision now')!;
    const click = (user: TestUser) =>
      post(t.bot.url, cardAction({ verb: b.verb, data: b.data, user, tenantId: CONTOSO, serviceUrl: t.connector.url, replyToId: 'why-card' }));
    const refused = cardText((await click(LEE)).body?.value);
    expect(refused).toContain('sync.operate');
    const done = cardText((await click(MEGAN)).body?.value);
    expect(done).toContain('Provision on demand: contoso-to-fabrikam');
    expect(done).toContain(DEMO.users.megan.userPrincipalName);
    const posts = (await sim.requests()).filter((r) => r.method === 'POST' && /provisionOnDemand/.test(r.path));
    expect(posts).toHaveLength(1);
  });

  describe('bad input gets a short card saying what to type', () => {
    it('no user', async () => {
      const text = cardText(await t.card(MEGAN, 'why'));
      expect(text).toContain('Say which user, by user principal name, mail or object id.');
      expect(text).toContain('Type: why ‹user› [in ‹configuration›]');
    });
    it('unknown user', async () => {
      const text = cardText(await t.card(MEGAN, 'why nobody@contoso.onmicrosoft.com in contoso-to-fabrikam'));
      expect(text).toContain('No user "nobody@contoso.onmicrosoft.com" in Contoso');
    });
    it('unknown configuration', async () => {
      const text = cardText(await t.card(MEGAN, 'why LeeG@contoso.onmicrosoft.com in contoso-to-fabrikm'));
      expect(text).toContain('There is no configuration called "contoso-to-fabrikm"');
      expect(text).toContain('Did you mean contoso-to-fabrikam?');
    });
    it('ambiguous configuration', async () => {
      const text = cardText(await t.card(MEGAN, 'why LeeG@contoso.onmicrosoft.com'));
      expect(text).toContain('Which configuration?');
      expect(text).toContain('Type: why ‹user› [in ‹configuration›]');
    });
    it('needs sync.read', async () => {
      const text = cardText(await t.card(LEE, 'why LeeG@contoso.onmicrosoft.com in contoso-to-fabrikam'));
      expect(text).not.toContain('Why:');
      expect(text).toContain('sync.read');
    });
  });
});
