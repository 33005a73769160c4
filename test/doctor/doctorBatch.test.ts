import { parseEstate, type Estate } from '../../src/config';
import { createCtsGraph } from '../../src/graph';
import { SIMULATOR_BOT_APP_ID } from '../../src/graph/permissions';
import { Configurations } from '../../src/services/configurations';
import { Doctor } from '../../src/services/doctor';
import { DEMO, startSimulator, type RunningSimulator } from '../../src/simulator';
import { SimControl } from '../harness/sim';

/** Issue 13: the doctor's policy reads of the target tenant go out as one $batch, counted in the simulator's request log. */
describe('doctor reads the target policy in one $batch', () => {
  let sim: RunningSimulator;
  let ctl: SimControl;
  let estate: Estate;
  const C = DEMO.tenants.contoso.id;
  const F = DEMO.tenants.fabrikam.id;

  beforeAll(async () => {
    sim = await startSimulator({ cycleIntervalMs: null });
    ctl = new SimControl(sim.url);
    const parsed = parseEstate(sim.estate());
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    estate = parsed.estate;
  });
  afterAll(() => sim.close());

  it('partner, identity sync and default settings: three GETs inside one POST /$batch to the target', async () => {
    const graph = createCtsGraph(estate);
    const doctor = new Doctor(new Configurations(estate, graph), graph, { botAppId: () => SIMULATOR_BOT_APP_ID });
    const c2f = estate.configurations.find((c) => c.sourceTenantId === C && c.targetTenantId === F)!;
    await ctl.clearRequests();
    const report = await doctor.run([c2f.name]);
    expect(report.configurations[0].findings.find((f) => f.id === 'target.b2bInbound')!.status).toBe('pass');

    const toTarget = (await ctl.requests()).filter((r) => r.tenantId.toLowerCase() === F);
    const policyWire = toTarget.filter((r) => !r.inBatch && (r.path.includes('/policies/') || r.path.endsWith('/$batch')));
    const policyInBatch = toTarget.filter((r) => r.inBatch && r.path.includes('/policies/'));
    expect(policyWire.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /$batch']);
    expect(policyInBatch.map((r) => r.path).sort()).toEqual([
      '/policies/crossTenantAccessPolicy/default',
      `/policies/crossTenantAccessPolicy/partners/${C}`,
      `/policies/crossTenantAccessPolicy/partners/${C}/identitySynchronization`,
    ]);
  });
});
