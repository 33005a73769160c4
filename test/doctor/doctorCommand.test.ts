import { BotUnderTest, LEE, MEGAN } from '../harness/bot';
import { cardText } from '../harness/activities';
import { SimControl } from '../harness/sim';
import { DEMO } from '../../src/simulator';

/** Issue 13 item 1: `doctor` over /api/messages, Graph served by the embedded simulator. */
describe('doctor in chat', () => {
  const t = new BotUnderTest();
  beforeAll(() => t.start());
  afterAll(() => t.stop());

  it('answers one card for all configurations; on the demo estate only the nested group warns', async () => {
    const text = cardText(await t.card(MEGAN, 'doctor all'));
    expect(text).toContain('Doctor: 1 warning');
    expect(text).toContain('contoso-to-fabrikam');
    expect(text).toContain('Assigned groups have no nested groups');
    expect(text).toMatch(/All \d+ checks pass/);
  });

  it('names the broken policy and the fix after PATCHing isSyncAllowed false in the target', async () => {
    const sim = new SimControl(t.bot.simulator!.url);
    const F = DEMO.tenants.fabrikam.id;
    await sim.graph(F, 'PATCH', `/policies/crossTenantAccessPolicy/partners/${DEMO.tenants.contoso.id}/identitySynchronization`, {
      userSyncInbound: { isSyncAllowed: false },
    });
    try {
      const text = cardText(await t.card(MEGAN, 'doctor contoso-to-fabrikam'));
      expect(text).toContain('Doctor: 1 to fix');
      expect(text).toContain('Fabrikam allows inbound sync from Contoso');
      expect(text).toContain('userSyncInbound.isSyncAllowed is false.');
      expect(text).toContain('Fix: A Security Administrator of Fabrikam ticks "Allow users sync into this tenant"');
    } finally {
      await sim.graph(F, 'PATCH', `/policies/crossTenantAccessPolicy/partners/${DEMO.tenants.contoso.id}/identitySynchronization`, {
        userSyncInbound: { isSyncAllowed: true },
      });
    }
  });

  it('a misspelt configuration gets a clear notice', async () => {
    const text = cardText(await t.card(MEGAN, 'doctor contoso-to-fabrikm'));
    expect(text).toContain('There is no configuration called "contoso-to-fabrikm"');
    expect(text).toContain('Did you mean contoso-to-fabrikam?');
  });

  it('needs sync.read like status', async () => {
    const text = cardText(await t.card(LEE, 'doctor'));
    expect(text).not.toContain('Doctor:');
    expect(text).toContain('sync.read');
  });
});
