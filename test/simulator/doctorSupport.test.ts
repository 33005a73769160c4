import type {
  AppRoleAssignment,
  DirectoryAudit,
  ServicePrincipal,
  SynchronizationJob,
  SynchronizationSchema,
  SynchronizationSecretKeyStringValuePair,
  User,
} from '@microsoft/microsoft-graph-types';
import { SIMULATOR_BOT_APP_ID } from '../../src/graph/permissions';
import { DEMO, startSimulator, type RunningSimulator } from '../../src/simulator';
import { parseAs, type Page } from '../harness/json';
import { SimControl } from '../harness/sim';

/** Issue 13 item 3: what the doctor relies on in the simulator, driven through Graph and the control API. */
describe('simulator: policy audit, bot permissions, schema and threshold through Graph', () => {
  let sim: RunningSimulator;
  let ctl: SimControl;
  const C = DEMO.tenants.contoso.id;
  const F = DEMO.tenants.fabrikam.id;
  beforeAll(async () => {
    sim = await startSimulator({ cycleIntervalMs: null });
    ctl = new SimControl(sim.url);
  });
  afterAll(() => sim.close());
  beforeEach(() => ctl.control('POST', '/reset'));

  it('a policy change through Graph writes a directory audit record with the actor', async () => {
    const admin = (await ctl.graph<Page<User>>(F, 'GET', '/users?$top=1')).value[0];
    const res = await fetch(`${sim.url}/${F}/v1.0/policies/crossTenantAccessPolicy/partners/${C}/identitySynchronization`, {
      method: 'PATCH',
      headers: { Authorization: 'Bearer x', 'Content-Type': 'application/json', 'x-sim-actor': admin.userPrincipalName ?? '' },
      body: JSON.stringify({ userSyncInbound: { isSyncAllowed: false } }),
    });
    expect(res.status).toBe(204);
    await ctl.graph(F, 'PATCH', `/policies/crossTenantAccessPolicy/partners/${C}`, { automaticUserConsentSettings: { inboundAllowed: false } });
    const audits = (await ctl.graph<Page<DirectoryAudit>>(F, 'GET', '/auditLogs/directoryAudits')).value;
    expect(audits.map((a) => a.activityDisplayName)).toEqual([
      'Update a partner cross-tenant access setting',
      'Update a partner cross-tenant identity sync setting',
    ]);
    const sync = audits[1];
    expect(sync).toMatchObject({ category: 'Policy', result: 'success', operationType: 'Update', loggedByService: 'Core Directory' });
    expect(sync.targetResources?.[0].modifiedProperties?.[0]).toEqual({
      displayName: 'userSyncInbound',
      oldValue: '{"isSyncAllowed":true}',
      newValue: '{"isSyncAllowed":false}',
    });
    expect(sync.initiatedBy?.user).toMatchObject({ id: admin.id, userPrincipalName: admin.userPrincipalName });
    // The app made the second change (no actor header): initiatedBy names the app, not a user.
    expect(audits[0].initiatedBy?.user).toBeNull();
    expect(audits[0].initiatedBy?.app?.displayName).toBe('Graph client');
    // Contoso's log is its own.
    expect((await ctl.graph<Page<DirectoryAudit>>(C, 'GET', '/auditLogs/directoryAudits')).value).toEqual([]);
  });

  it("removing one of the bot app's permissions shows in appRoleAssignments and answers 403 where it is needed", async () => {
    const sp = await ctl.graph<ServicePrincipal>(F, 'GET', `/servicePrincipals(appId='${SIMULATOR_BOT_APP_ID}')`);
    const before = (await ctl.graph<Page<AppRoleAssignment>>(F, 'GET', `/servicePrincipals/${sp.id}/appRoleAssignments`)).value;
    expect(before.some((a) => a.appRoleId === '246dd0d5-5bd0-4def-940b-0421030a5b68')).toBe(true);
    await ctl.control('POST', `/tenants/${F}/bot-permissions`, { remove: ['Policy.Read.All'] });
    const after = (await ctl.graph<Page<AppRoleAssignment>>(F, 'GET', `/servicePrincipals/${sp.id}/appRoleAssignments`)).value;
    expect(after.length).toBe(before.length - 1);
    expect(after.some((a) => a.appRoleId === '246dd0d5-5bd0-4def-940b-0421030a5b68')).toBe(false);
    await expect(ctl.graph(F, 'GET', `/policies/crossTenantAccessPolicy/partners/${C}`)).rejects.toThrow(/403 .*Authorization_RequestDenied/);
    // Other tenants and other calls are unaffected.
    await expect(ctl.graph(C, 'GET', `/policies/crossTenantAccessPolicy/partners/${F}`)).resolves.toMatchObject({ tenantId: F });
    await ctl.control('POST', `/tenants/${F}/bot-permissions`, { restore: ['Policy.Read.All'] });
    await expect(ctl.graph(F, 'GET', `/policies/crossTenantAccessPolicy/partners/${C}`)).resolves.toMatchObject({ tenantId: C });
  });

  it('refuses an unknown permission name with the list', async () => {
    await expect(ctl.control('POST', `/tenants/${F}/bot-permissions`, { remove: ['Mail.Send'] })).rejects.toThrow(/400 .*not one of the bot's permissions/);
  });

  it('PUT schema replaces the mappings the job reports; PUT secrets changes the threshold', async () => {
    const config = sim.estate().configurations.find((c) => c.sourceTenantId === C && c.targetTenantId === F)!;
    const jobs = (await ctl.graph<Page<SynchronizationJob>>(C, 'GET', `/servicePrincipals/${config.servicePrincipalId}/synchronization/jobs`)).value;
    const path = `/servicePrincipals/${config.servicePrincipalId}/synchronization/jobs/${encodeURIComponent(jobs[0].id ?? '')}/schema`;
    const schema = await ctl.graph<SynchronizationSchema>(C, 'GET', path);
    const mappings = schema.synchronizationRules?.[0].objectMappings?.[0].attributeMappings;
    expect(mappings?.find((m) => m.targetAttributeName === 'userType')).toMatchObject({ source: { type: 'Constant', name: 'Member' }, flowType: 'Always' });
    mappings?.push({ source: { expression: '[department]', name: 'department', type: 'Attribute' }, targetAttributeName: 'department', flowType: 'Always' });
    await ctl.graph(C, 'PUT', path, schema);
    const again = await ctl.graph<SynchronizationSchema>(C, 'GET', path);
    expect(again.synchronizationRules?.[0].objectMappings?.[0].attributeMappings?.map((m) => m.targetAttributeName)).toContain('department');
    await expect(ctl.graph(C, 'PUT', path, { synchronizationRules: [] })).rejects.toThrow(/400/);

    await ctl.graph(C, 'PUT', `/servicePrincipals/${config.servicePrincipalId}/synchronization/secrets`, {
      value: [{ key: 'SyncNotificationSettings', value: JSON.stringify({ Enabled: true, DeleteThresholdEnabled: true, DeleteThresholdValue: 7 }) }],
    });
    const secrets = (
      await ctl.graph<Page<SynchronizationSecretKeyStringValuePair>>(C, 'GET', `/servicePrincipals/${config.servicePrincipalId}/synchronization/secrets`)
    ).value;
    expect(parseAs<unknown>(secrets.find((s) => s.key === 'SyncNotificationSettings')?.value ?? '')).toMatchObject({ DeleteThresholdValue: 7 });
  });
});
