import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROLE } from '../../src/domain/roles';
import { DEMO, startSimulator, type RunningSimulator } from '../../src/simulator';
import { BotUnderTest, MEGAN } from '../harness/bot';
import { cardText } from '../harness/activities';
import { SimControl } from '../harness/sim';

/**
 * A per-configuration policy (CTS_POLICY) that keeps contoso-to-fabrikam to Global Administrators, against a
 * standalone simulator in graph mode. Megan (Hybrid Identity Administrator) keeps the defaults elsewhere.
 */
describe('per-configuration policy through the routes', () => {
  let sim: RunningSimulator;
  const dir = mkdtempSync(path.join(tmpdir(), 'cts-policy-'));
  const policyFile = path.join(dir, 'policy.json');
  const onlyGlobalAdmins = { roles: [ROLE.globalAdministrator] };

  beforeAll(async () => {
    sim = await startSimulator({ cycleIntervalMs: null });
    writeFileSync(
      policyFile,
      JSON.stringify({ configurations: { 'contoso-to-fabrikam': { permissions: { 'sync.operate': onlyGlobalAdmins, 'sync.read': onlyGlobalAdmins } } } }),
    );
  });
  afterAll(() => sim.close());

  async function botWith(configurations: string[]): Promise<BotUnderTest> {
    const estate = sim.estate();
    const file = path.join(dir, `estate-${configurations.length}.json`);
    writeFileSync(file, JSON.stringify({ ...estate, configurations: estate.configurations.filter((c) => configurations.includes(c.name)) }));
    return new BotUnderTest().start({ CTS_CONFIG: file, CTS_POLICY: policyFile });
  }

  it("a command that leaves out the only configuration is checked against that configuration's policy", async () => {
    const t = await botWith(['contoso-to-fabrikam']);
    const control = new SimControl(sim.url);
    await control.clearRequests();
    try {
      const C2F = DEMO.configurations.contosoToFabrikam;
      await control.graph(DEMO.tenants.contoso.id, 'POST', `/servicePrincipals/${C2F.servicePrincipalId}/synchronization/jobs/${C2F.jobId}/pause`);
      await control.clearRequests();
      const text = cardText(await t.card(MEGAN, 'start'));
      expect(text).toContain('Not allowed');
      expect(text).toContain('Global Administrator');
      expect(await control.writes()).toEqual([]);
      await control.graph(DEMO.tenants.contoso.id, 'POST', `/servicePrincipals/${C2F.servicePrincipalId}/synchronization/jobs/${C2F.jobId}/start`);
    } finally {
      await t.stop();
    }
  });

  it('status and audit without a configuration list only what the caller may read', async () => {
    const t = await botWith(['contoso-to-fabrikam', 'contoso-to-northwind', 'fabrikam-to-northwind']);
    try {
      const status = cardText(await t.card(MEGAN, 'status'));
      expect(status).toContain('contoso-to-northwind');
      expect(status).toContain('fabrikam-to-northwind');
      expect(status).not.toContain('contoso-to-fabrikam');
      expect(status).toMatch(/2 configurations/);
      const refused = cardText(await t.card(MEGAN, 'status contoso-to-fabrikam'));
      expect(refused).toContain('Not allowed');
    } finally {
      await t.stop();
    }
  });
});
