import type { Client } from '@microsoft/microsoft-graph-client';
import type {
  DirectoryObject,
  ProvisioningObjectSummary,
  ServicePrincipal,
  SynchronizationJob,
  SynchronizationSchema,
  User,
} from '@microsoft/microsoft-graph-types';
import { getAs, parseAs, postAs, type Page } from '../harness/json';
import type { TripDeletesAnswer } from '../harness/sim';
import type { ManualClock } from '../../src/domain/clock';
import { DEMO, type RunningSimulator } from '../../src/simulator';
import { control, graphError, graphFor, withSim } from './helpers';

const C = DEMO.tenants.contoso.id;
const F = DEMO.tenants.fabrikam.id;
const cfg = DEMO.configurations.contosoToFabrikam;
/** A synchronization secret as the secrets endpoint lists it. */
type Secret = { key: string; value: string };
const JOB = `/servicePrincipals/${cfg.servicePrincipalId}/synchronization/jobs/${cfg.jobId}`;
const cycle = (sim: RunningSimulator) => control<SynchronizationJob>(sim, 'POST', `/_sim/tenants/${C}/jobs/${cfg.jobId}/cycle`);

describe('simulated CTS engine, driven through Graph and the control API', () => {
  let sim: RunningSimulator;
  let clock: ManualClock;
  let contoso: Client;
  let fabrikam: Client;
  beforeEach(async () => {
    ({ sim, clock } = await withSim());
    contoso = graphFor(sim, C);
    fabrikam = graphFor(sim, F);
  });
  afterEach(() => sim.close());

  const job = () => getAs<SynchronizationJob>(contoso.api(JOB));
  const b2bCopies = async (sourceUserId: string) => {
    const upn = (await getAs<User>(contoso.api(`/users/${sourceUserId}`))).userPrincipalName as string;
    const target = `${upn.replace('@', '_')}#EXT#@${DEMO.tenants.fabrikam.domain}`;
    return (await getAs<Page<User>>(fabrikam.api('/users').filter(`userPrincipalName eq '${encodeURIComponent(target.replace(/'/g, "''"))}'`))).value;
  };
  // Only jobId and activityDateTime are filterable on the server (reference §5): the rest is filtered here.
  type Log = ProvisioningObjectSummary & { provisioningAction: string; sourceIdentity: { id: string }; provisioningStatusInfo: { status: string } };
  const logs = async (where: (l: Log) => boolean) => {
    const page = await getAs<Page<Log>>(contoso.api('/auditLogs/provisioning').filter(`jobId eq '${cfg.jobId}'`).orderby('activityDateTime desc').top(999));
    return { ...page, value: page.value.filter(where) };
  };
  const userCount = async (): Promise<number> => {
    const count = (await getAs<Page<User>>(fabrikam.api('/users').header('ConsistencyLevel', 'eventual').count(true).top(1)))['@odata.count'];
    if (count === undefined) throw new Error('no @odata.count in the answer');
    return count;
  };

  it('starts Active with one completed cycle and the full job shape', async () => {
    const j = await job();
    expect(j).toMatchObject({ id: cfg.jobId, templateId: 'Azure2Azure', schedule: { interval: 'PT40M', state: 'Active' } });
    expect(j.status?.code).toBe('Active');
    expect(j.status?.quarantine).toBeNull();
    expect(j.status?.lastExecution).toMatchObject({ state: 'Succeeded' });
    expect(j.status?.lastExecution?.countExported).toBeGreaterThan(20);
    expect(j.status?.steadyStateFirstAchievedTime).toBe('0001-01-01T00:00:00Z');
    expect(j.status?.synchronizedEntryCountByType?.[0].value).toBe(j.status?.lastExecution?.countExported);
    const list = await getAs<Page<SynchronizationJob>>(contoso.api(`/servicePrincipals/${cfg.servicePrincipalId}/synchronization/jobs`));
    expect(list.value.map((x) => x.id)).toEqual([cfg.jobId]);
    const schema = await getAs<SynchronizationSchema>(contoso.api(`${JOB}/schema`));
    // The user rule's id is GUID-like; USER_INBOUND_USER is its name (CTS Graph guide, step 11).
    const rule = schema.synchronizationRules?.find((r) => r.name === 'USER_INBOUND_USER');
    expect(rule?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('assigning a user puts them in scope: the next cycle creates the B2B member and logs a create', async () => {
    expect(await b2bCopies(DEMO.users.lee.id)).toEqual([]);
    const sp = await getAs<ServicePrincipal>(contoso.api(`/servicePrincipals/${cfg.servicePrincipalId}`));
    await contoso
      .api(`/servicePrincipals/${sp.id}/appRoleAssignedTo`)
      .post({ principalId: DEMO.users.lee.id, resourceId: sp.id, appRoleId: sp.appRoles?.[0].id });
    clock.advance(60_000);
    const after = await cycle(sim);
    expect(after.status).toBe(200);
    expect(after.body.status?.lastExecution?.countExported).toBe(1);
    const [copy] = await b2bCopies(DEMO.users.lee.id);
    expect(copy).toMatchObject({ userType: 'Member', displayName: 'Lee Gu', userPrincipalName: 'LeeG_contoso.onmicrosoft.com#EXT#@fabrikam.onmicrosoft.com' });
    const created = await logs((l) => l.provisioningAction === 'create' && l.sourceIdentity.id === DEMO.users.lee.id);
    expect(created.value).toHaveLength(1);
    expect(created.value[0]).toMatchObject({
      provisioningStatusInfo: { status: 'success' },
      servicePrincipal: { id: cfg.servicePrincipalId },
      targetIdentity: { id: copy.id },
    });
    // Provisioning logs spell step types in lower case (CTS guide, step 13).
    expect(created.value[0].provisioningSteps?.map((s) => s.provisioningStepType)).toEqual(['import', 'scoping', 'matching', 'export']);
    // A cycle with nothing to do reaches steady state.
    clock.advance(60_000);
    expect((await cycle(sim)).body.status?.steadyStateLastAchievedTime).not.toBe('0001-01-01T00:00:00Z');
  });

  it('guests and members of nested groups stay out of scope', async () => {
    expect(await b2bCopies(DEMO.users.guest.id)).toEqual([]);
    const nested = await getAs<Page<DirectoryObject>>(contoso.api(`/groups/${DEMO.groups.syncFabrikamContractors.id}/members`));
    // Six generated contractors plus Lynne Robbins, the `why` demo's nested-only user.
    expect(nested.value).toHaveLength(7);
    for (const m of nested.value.slice(0, 3)) expect(await b2bCopies(m.id!)).toEqual([]);
    expect(await b2bCopies(DEMO.users.lynne.id)).toEqual([]);
  });

  it('mass unassignment beyond the threshold quarantines TooManyDeletes, deletes nothing, logs stagedDelete; ForceDeletes applies them', async () => {
    const before = await userCount();
    const trip = await control<TripDeletesAnswer>(sim, 'POST', `/_sim/tenants/${C}/trip-deletes/${cfg.jobId}`);
    expect(trip.status).toBe(200);
    expect(trip.body.wouldDelete).toBeGreaterThan(DEMO.deleteThreshold);
    clock.advance(60_000);
    const q = await cycle(sim);
    expect(q.body.status?.code).toBe('Quarantine');
    expect(q.body.status?.quarantine).toMatchObject({ reason: 'TooManyDeletes', seriesCount: 1 });
    expect(q.body.status?.quarantine?.error?.code).toBe('TooManyDeletes');
    expect(await userCount()).toBe(before);
    const staged = await logs((l) => l.provisioningAction === 'stagedDelete');
    expect(staged.value).toHaveLength(trip.body.wouldDelete);
    expect(staged.value.every((l) => l.provisioningStatusInfo.status === 'skipped')).toBe(true);
    // Still held on the next cycle.
    clock.advance(60_000);
    expect((await cycle(sim)).body.status?.quarantine?.seriesCount).toBe(2);

    await contoso.api(`${JOB}/restart`).post({ criteria: { resetScope: 'ForceDeletes' } });
    clock.advance(60_000);
    const applied = await cycle(sim);
    expect(applied.body.status?.code).toBe('Active');
    expect(applied.body.status?.quarantine).toBeNull();
    const after = await userCount();
    expect(after).toBe(before - trip.body.wouldDelete);
    const deletes = await logs((l) => l.provisioningAction === 'delete' && l.provisioningStatusInfo.status === 'success');
    expect(deletes.value).toHaveLength(trip.body.wouldDelete);
  });

  it('restoring the scope instead lifts a TooManyDeletes quarantine without deleting', async () => {
    const trip = await control<TripDeletesAnswer>(sim, 'POST', `/_sim/tenants/${C}/trip-deletes/${cfg.jobId}`);
    expect((await cycle(sim)).body.status?.code).toBe('Quarantine');
    for (const a of trip.body.removedAssignments) {
      await contoso
        .api(`/servicePrincipals/${cfg.servicePrincipalId}/appRoleAssignedTo`)
        .post({ principalId: a.principalId, resourceId: a.resourceId, appRoleId: a.appRoleId });
    }
    const healed = await cycle(sim);
    expect(healed.body.status).toMatchObject({ code: 'Active', quarantine: null });
    expect((await logs((l) => l.provisioningAction === 'delete')).value).toEqual([]);
  });

  it('a paused job does not cycle; start resumes it; start on a running job changes nothing', async () => {
    await contoso.api(`${JOB}/pause`).post({});
    expect((await job()).status?.code).toBe('Paused');
    const sp = await getAs<ServicePrincipal>(contoso.api(`/servicePrincipals/${cfg.servicePrincipalId}`));
    await contoso
      .api(`/servicePrincipals/${sp.id}/appRoleAssignedTo`)
      .post({ principalId: DEMO.users.lee.id, resourceId: sp.id, appRoleId: sp.appRoles?.[0].id });
    const paused = await cycle(sim);
    expect(paused.body.schedule?.state).toBe('Paused');
    expect(await b2bCopies(DEMO.users.lee.id)).toEqual([]);
    await contoso.api(`${JOB}/start`).post({});
    await contoso.api(`${JOB}/start`).post({});
    expect((await job()).status?.code).toBe('Active');
    await cycle(sim);
    expect(await b2bCopies(DEMO.users.lee.id)).toHaveLength(1);
  });

  it('quarantines on bad credentials and on a target policy that forbids inbound sync, and recovers', async () => {
    await control(sim, 'POST', `/_sim/tenants/${C}/jobs/${cfg.jobId}/credentials`, { valid: false });
    const bad = await cycle(sim);
    expect(bad.body.status?.quarantine?.reason).toBe('EncounteredQuarantineException');
    expect(bad.body.status?.lastExecution?.state).toBe('Failed');
    expect(bad.body.status?.countSuccessiveCompleteFailures).toBe(1);
    await control(sim, 'POST', `/_sim/tenants/${C}/jobs/${cfg.jobId}/credentials`, { valid: true });
    expect((await cycle(sim)).body.status).toMatchObject({ code: 'Active', quarantine: null, countSuccessiveCompleteFailures: 0 });

    await fabrikam.api(`/policies/crossTenantAccessPolicy/partners/${C}/identitySynchronization`).patch({ userSyncInbound: { isSyncAllowed: false } });
    const blocked = await cycle(sim);
    // isSyncAllowed = false has its own outcome (its real code is UNVERIFIED); missing auto-redemption consent is the documented code.
    expect(blocked.body.status?.quarantine).toMatchObject({ reason: 'EncounteredQuarantineException', error: { code: 'CrossTenantSyncNotAllowedByTarget' } });
    await fabrikam.api(`/policies/crossTenantAccessPolicy/partners/${C}/identitySynchronization`).patch({ userSyncInbound: { isSyncAllowed: true } });
    await fabrikam.api(`/policies/crossTenantAccessPolicy/partners/${C}`).patch({ automaticUserConsentSettings: { inboundAllowed: false } });
    expect((await cycle(sim)).body.status?.quarantine).toMatchObject({
      error: { code: 'AzureDirectoryB2BManagementPolicyCheckFailure', message: 'Policy permitting auto-redemption of invitations not configured.' },
    });
    await fabrikam.api(`/policies/crossTenantAccessPolicy/partners/${C}`).patch({ automaticUserConsentSettings: { inboundAllowed: true } });
    await fabrikam.api(`/policies/crossTenantAccessPolicy/partners/${C}/identitySynchronization`).patch({ userSyncInbound: { isSyncAllowed: true } });
    expect((await cycle(sim)).body.status?.code).toBe('Active');
  });

  it('a control-API quarantine stays until restart with QuarantineState', async () => {
    const q = await control<SynchronizationJob>(sim, 'POST', `/_sim/tenants/${C}/jobs/${cfg.jobId}/quarantine`, { reason: 'EncounteredQuarantineException' });
    expect(q.body.status?.code).toBe('Quarantine');
    expect((await cycle(sim)).body.status?.code).toBe('Quarantine');
    await contoso.api(`${JOB}/restart`).post({ criteria: { resetScope: 'Watermark, Escrows, QuarantineState' } });
    expect((await job()).status).toMatchObject({ code: 'Active', quarantine: null });
  });

  it.each(['None', 'ConnectorDataStore', 'Escrows', 'Watermark', 'QuarantineState', 'Full', 'ForceDeletes', 'Watermark,Escrows', '', 'Full, ForceDeletes'])(
    'restart accepts resetScope %p',
    async (resetScope) => {
      await contoso.api(`${JOB}/restart`).post({ criteria: { resetScope } });
      // ConnectorDataStore forgets links; matching must find the existing B2B users instead of duplicating them.
      const r = await cycle(sim);
      expect(r.body.status?.code).toBe('Active');
      expect(r.body.status?.lastExecution?.countExported).toBe(0);
    },
  );

  it('restart rejects an unknown resetScope and accepts an empty body', async () => {
    expect((await graphError(contoso.api(`${JOB}/restart`).post({ criteria: { resetScope: 'Everything' } }))).statusCode).toBe(400);
    await contoso.api(`${JOB}/restart`).post({});
  });

  it('provisionOnDemand: success, wrong ruleId 400, and the 6th call within 10 s is 429 with Retry-After', async () => {
    const sp = await getAs<ServicePrincipal>(contoso.api(`/servicePrincipals/${cfg.servicePrincipalId}`));
    await contoso
      .api(`/servicePrincipals/${sp.id}/appRoleAssignedTo`)
      .post({ principalId: DEMO.users.lee.id, resourceId: sp.id, appRoleId: sp.appRoles?.[0].id });
    const ruleId = (await getAs<SynchronizationSchema>(contoso.api(`${JOB}/schema`))).synchronizationRules?.find((r) => r.name === 'USER_INBOUND_USER')?.id;
    const pod = (objectId: string, rule = ruleId) =>
      postAs<{ key: string; value: string }>(contoso.api(`${JOB}/provisionOnDemand`), {
        parameters: [{ ruleId: rule, subjects: [{ objectId, objectTypeName: 'User' }] }],
      });

    // The CTS guide's shape: key names a type, value is a JSON array of status objects.
    const ok = await pod(DEMO.users.lee.id);
    expect(ok.key).toBe('Microsoft.Identity.Health.CPP.Common.DataContracts.SyncFabric.StatusInfo');
    const value = parseAs<{ provisioningSteps: { type: string; name: string; status: string }[] }[]>(ok.value);
    expect(Array.isArray(value)).toBe(true);
    expect(value[0].provisioningSteps.map((s) => s.type)).toEqual(['Import', 'Scoping', 'Matching', 'Export']);
    expect(value[0].provisioningSteps.at(-1)).toMatchObject({ name: 'EntryExportAdd', status: 'Success' });
    expect(await b2bCopies(DEMO.users.lee.id)).toHaveLength(1);

    const wrong = await graphError(pod(DEMO.users.lee.id, 'WRONG_RULE'));
    expect(wrong).toMatchObject({ statusCode: 400, code: 'RequestParameterInvalid' });
    // The generic reference's shape, behind the per-tenant switch.
    await control(sim, 'POST', `/_sim/tenants/${C}/switches`, { onDemandShape: 'generic' });
    const skipped = await pod(DEMO.users.guest.id);
    expect(parseAs<{ result: string }>(skipped.key).result).toBe('Skipped');
    clock.advance(2_000);
    await pod(DEMO.users.lee.id);
    await pod(DEMO.users.lee.id);
    const limited = await graphError(pod(DEMO.users.lee.id));
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers?.get('retry-after'))).toBe(8);
    clock.advance(8_000);
    expect(parseAs<{ result: string }>((await pod(DEMO.users.lee.id)).key).result).toBe('Skipped'); // RedundantExport
  });

  it('secrets PUT merges by key and the threshold it holds is what the engine uses', async () => {
    const path = `/servicePrincipals/${cfg.servicePrincipalId}/synchronization/secrets`;
    const before = (await getAs<Page<Secret>>(contoso.api(path))).value;
    const settings = parseAs<Record<string, unknown>>(before.find((s) => s.key === 'SyncNotificationSettings')?.value ?? '');
    expect(settings).toMatchObject({ DeleteThresholdEnabled: true, DeleteThresholdValue: DEMO.deleteThreshold });
    await contoso.api(path).put({ value: [{ key: 'SyncNotificationSettings', value: JSON.stringify({ ...settings, DeleteThresholdValue: 500 }) }] });
    const after = (await getAs<Page<Secret>>(contoso.api(path))).value;
    expect(after.map((s) => s.key).sort()).toEqual(before.map((s) => s.key).sort());
    await control(sim, 'POST', `/_sim/tenants/${C}/trip-deletes/${cfg.jobId}`).catch(() => undefined);
    // With 500 the trip can't exceed the threshold, so nothing is held back.
    expect((await cycle(sim)).body.status?.code).toBe('Active');
  });
});
