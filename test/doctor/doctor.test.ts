import type { SynchronizationSchema } from '@microsoft/microsoft-graph-types';
import { parseEstate, type Estate } from '../../src/config';
import type { Finding } from '../../src/domain/doctor';
import { createCtsGraph } from '../../src/graph';
import { SIMULATOR_BOT_APP_ID } from '../../src/graph/permissions';
import { Configurations } from '../../src/services/configurations';
import { Doctor } from '../../src/services/doctor';
import { DEMO, startSimulator, type RunningSimulator } from '../../src/simulator';
import { SimControl } from '../harness/sim';

/** Issue 13 item 1: every check over Graph served by the simulator, and each broken through Graph or the control API. */
describe('doctor against the simulator', () => {
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
  beforeEach(() => ctl.control('POST', '/reset'));

  const doctor = (appId: string | null = SIMULATOR_BOT_APP_ID) => {
    const graph = createCtsGraph(estate);
    return new Doctor(new Configurations(estate, graph), graph, { botAppId: () => appId ?? undefined });
  };
  const c2f = () => estate.configurations.find((c) => c.sourceTenantId === C && c.targetTenantId === F)!;
  const run = async () => (await doctor().run([c2f().name])).configurations[0];
  const row = (findings: Finding[], id: Finding['id'], tenant?: string) => findings.find((f) => f.id === id && (tenant === undefined || f.tenant === tenant))!;

  test('every check passes on the demo estate (but its one deliberately nested group)', async () => {
    const report = await doctor().run();
    const notPass = report.configurations.flatMap((c) =>
      c.findings.filter((f) => f.status !== 'pass').map((f) => `${c.config} ${f.id} ${f.status}: ${f.found}`),
    );
    // The demo estate nests a group on purpose (its members are not synced): a true warning, not a failure.
    expect(notPass).toEqual(['contoso-to-fabrikam scope.nestedGroups warn: Sync - Fabrikam (1 nested): members of nested groups are not synced.']);
    expect(report.worst).toBe('warn');
    expect(report.configurations.length).toBe(estate.configurations.length);
    expect(report.configurations[0].findings.length).toBeGreaterThanOrEqual(18);
    expect(report.configurations[0].inputs).not.toBeNull();
  });

  test('PATCH isSyncAllowed false in the target fails target.syncAllowed', async () => {
    await ctl.graph(F, 'PATCH', `/policies/crossTenantAccessPolicy/partners/${C}/identitySynchronization`, { userSyncInbound: { isSyncAllowed: false } });
    const r = await run();
    expect(row(r.findings, 'target.syncAllowed')).toMatchObject({ status: 'fail', found: 'userSyncInbound.isSyncAllowed is false.', tenant: 'Fabrikam' });
    expect(r.worst).toBe('fail');
  });

  test("PATCH a partner's consent settings fails the consent checks on each side", async () => {
    await ctl.graph(F, 'PATCH', `/policies/crossTenantAccessPolicy/partners/${C}`, { automaticUserConsentSettings: { inboundAllowed: false } });
    await ctl.graph(C, 'PATCH', `/policies/crossTenantAccessPolicy/partners/${F}`, { automaticUserConsentSettings: { outboundAllowed: false } });
    const r = await run();
    expect(row(r.findings, 'target.inboundConsent')).toMatchObject({ status: 'fail', found: 'automaticUserConsentSettings.inboundAllowed is false.' });
    expect(row(r.findings, 'source.outboundConsent')).toMatchObject({ status: 'fail', found: 'automaticUserConsentSettings.outboundAllowed is false.' });
  });

  test("a partner that inherits B2B collaboration reads the target's default policy: blocked there fails target.b2bInbound", async () => {
    const passing = row((await run()).findings, 'target.b2bInbound');
    expect(passing).toMatchObject({ status: 'pass', found: "B2B collaboration inbound inherits Fabrikam's default settings, which allow users and groups." });
    await ctl.graph(F, 'PATCH', '/policies/crossTenantAccessPolicy/default', {
      b2bCollaborationInbound: { usersAndGroups: { accessType: 'blocked', targets: [{ target: 'AllUsers', targetType: 'user' }] } },
    });
    const r = await run();
    expect(row(r.findings, 'target.b2bInbound')).toMatchObject({
      status: 'fail',
      tenant: 'Fabrikam',
      found: "B2B collaboration inbound inherits Fabrikam's default settings, which block users and groups of other organizations.",
    });
    expect(row(r.findings, 'target.b2bInbound').fix).toMatch(/Default settings/);
    expect(r.inputs!.policies.target.b2bInboundAccess).toBe('blocked');
  });

  test('PUT secrets disabling the threshold warns; SyncAll true warns', async () => {
    const sp = c2f().servicePrincipalId;
    await ctl.graph(C, 'PUT', `/servicePrincipals/${sp}/synchronization/secrets`, {
      value: [
        { key: 'SyncNotificationSettings', value: JSON.stringify({ Enabled: false, DeleteThresholdEnabled: false }) },
        { key: 'SyncAll', value: 'true' },
      ],
    });
    const r = await run();
    expect(row(r.findings, 'threshold')).toMatchObject({ status: 'warn' });
    expect(row(r.findings, 'threshold').found).toMatch(/disabled/);
    expect(row(r.findings, 'scope.mode')).toMatchObject({ status: 'warn' });
  });

  test('PUT schema with userType Guest warns', async () => {
    const ref = await new Configurations(estate, createCtsGraph(estate)).jobRef(c2f());
    const path = `/servicePrincipals/${ref.servicePrincipalId}/synchronization/jobs/${encodeURIComponent(ref.jobId)}/schema`;
    const schema = await ctl.graph<SynchronizationSchema>(C, 'GET', path);
    const userType = schema.synchronizationRules?.[0].objectMappings?.[0].attributeMappings?.find((m) => m.targetAttributeName === 'userType');
    if (!userType) throw new Error('the schema has no userType mapping');
    userType.source = { expression: '"Guest"', name: 'Guest', type: 'Constant', parameters: [] };
    await ctl.graph(C, 'PUT', path, schema);
    const r = await run();
    expect(row(r.findings, 'schema.userType')).toMatchObject({ status: 'warn', found: 'userType is the constant Guest: synced users are created as guests.' });
  });

  test("removing the bot app's Policy.Read.All in the target: permissions fail and the policy checks say they could not run", async () => {
    await ctl.control('POST', `/tenants/${F}/bot-permissions`, { remove: ['Policy.Read.All'] });
    const r = await run();
    const perm = row(r.findings, 'permissions', 'Fabrikam');
    expect(perm.status).toBe('fail');
    expect(perm.found).toMatch(/^Policy.Read.All missing: breaks cross-tenant access policy/);
    expect(row(r.findings, 'target.syncAllowed')).toMatchObject({
      status: 'unknown',
      found: 'Could not check: no Policy.Read.All in Fabrikam (Graph answered 403).',
    });
    // The source side is untouched.
    expect(row(r.findings, 'source.outboundConsent').status).toBe('pass');
  });

  test('saved credentials that fail validation fail job.credentials', async () => {
    const ref = await new Configurations(estate, createCtsGraph(estate)).jobRef(c2f());
    await ctl.control('POST', `/tenants/${C}/jobs/${encodeURIComponent(ref.jobId)}/credentials`, { valid: false });
    const r = await run();
    expect(row(r.findings, 'job.credentials').status).toBe('fail');
  });

  test('without the bot app id the permission check says why it could not run', async () => {
    const r = (await doctor(null).run([c2f().name])).configurations[0];
    expect(row(r.findings, 'permissions', 'Contoso')).toMatchObject({ status: 'unknown' });
    expect(row(r.findings, 'permissions', 'Contoso').found).toMatch(/application id is not configured/);
  });

  // The target tenant's policy reads go out as one $batch, counted in the simulator's request log.
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
