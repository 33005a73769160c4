import { DEMO, startSimulator } from '../../src/simulator';
import { GraphGateway } from '../../src/graph/gateway';
import { GraphError, GraphInputError } from '../../src/graph/errors';
import type { JobRef } from '../../src/graph/jobs';
import { SimControl } from '../harness/sim';
import { fakeTime } from './helpers';
import { rejectionOf } from '../harness/errors';
import { json, type Page } from '../harness/json';

/** The gateway against the simulator over real HTTP, through @microsoft/microsoft-graph-client. */

type Sim = Awaited<ReturnType<typeof startSimulator>>;
let sim: Sim;
const CONTOSO = DEMO.tenants.contoso.id;
const FABRIKAM = DEMO.tenants.fabrikam.id;
const { megan, adele, lee } = DEMO.users;
const ROLE = { applicationAdmin: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', hybridIdentityAdmin: '8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2' };

const c2f = DEMO.configurations.contosoToFabrikam;
const ref: JobRef = { tenantId: CONTOSO, servicePrincipalId: c2f.servicePrincipalId, jobId: c2f.jobId, label: c2f.name };

const simControl = () => new SimControl(sim.url);
const control = (path: string, body: unknown): Promise<unknown> => simControl().control('POST', `/${path}`, body);
const requestLog = () => simControl().requests();
const clearLog = () => simControl().clearRequests();

function gateway(s: Sim = sim, clock = fakeTime()) {
  return { gw: new GraphGateway({ tenants: s.estate().tenants, time: clock.time }), clock };
}

beforeAll(async () => {
  sim = await startSimulator({ cycleIntervalMs: null });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  await control('reset', {});
  await clearLog();
});

describe('jobs', () => {
  test('list and get every configured job', async () => {
    const { gw } = gateway();
    for (const c of sim.estate().configurations) {
      const jobs = await gw.listJobs(c.sourceTenantId, c.servicePrincipalId);
      expect(jobs.map((j) => j.id)).toContain(c.jobId);
      const job = await gw.getJob({ tenantId: c.sourceTenantId, servicePrincipalId: c.servicePrincipalId, jobId: c.jobId });
      expect(job).toMatchObject({ id: c.jobId, templateId: 'Azure2Azure' });
      expect(['NotConfigured', 'NotRun', 'Active', 'Paused', 'Quarantine']).toContain(job.status.code);
    }
  });

  test('pause, start and restart change the job state', async () => {
    const { gw } = gateway();
    await gw.pauseJob(ref);
    expect((await gw.getJob(ref)).status.code).toBe('Paused');
    await gw.startJob(ref);
    const started = await gw.getJob(ref);
    expect(started.status.code).not.toBe('Paused');
    expect(started.schedule?.state).toBe('Active');
    await gw.pauseJob(ref);
    await gw.restartJob(ref, 'Watermark, Escrows, QuarantineState');
    expect((await gw.getJob(ref)).status.code).not.toBe('Paused');
    const log = await requestLog();
    expect(log.filter((r) => r.method === 'POST').map((r) => r.path.split('/').pop())).toEqual(['pause', 'start', 'pause', 'restart']);
  });

  test('an unknown reset scope is refused before anything is sent', async () => {
    const { gw } = gateway();
    await expect(gw.restartJob(ref, 'Watermark, Everything')).rejects.toBeInstanceOf(GraphInputError);
    expect(await requestLog()).toEqual([]);
  });

  test('provisionOnDemand with the ruleId read from the schema works', async () => {
    const { gw } = gateway();
    // The rule's id is GUID-like; USER_INBOUND_USER is its name (CTS Graph guide, step 11).
    expect(await gw.userRuleId(ref)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    const positions: number[] = [];
    const result = await gw.provisionOnDemand(ref, [{ objectId: megan.id, objectTypeName: 'User' }], { onQueued: (n) => positions.push(n) });
    expect(result.understood).toBe(true);
    expect(result.outcome).not.toBe('unknown');
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ['EntryImport', 'Success'],
      ['EntrySynchronizationScoping', 'Success'],
      ['EntryMatching', 'Success'],
      ['EntryExport', 'Skipped'],
    ]);
    expect(positions).toEqual([0]);
    // the schema was read once and cached
    await gw.provisionOnDemand(ref, [{ objectId: megan.id, objectTypeName: 'User' }]);
    expect((await requestLog()).filter((r) => r.path.endsWith('/schema'))).toHaveLength(1);
  });

  test('provisionOnDemand with a wrong ruleId → typed GraphError with code and request-id', async () => {
    const { gw } = gateway();
    const err = await rejectionOf(gw.provisionOnDemand(ref, [{ objectId: megan.id, objectTypeName: 'User' }], { ruleId: 'NOT_A_RULE' }), GraphError);
    expect(err).toBeInstanceOf(GraphError);
    expect(err.status).toBe(400);
    expect(err.code).toBe('RequestParameterInvalid');
    expect(err.requestId).toEqual(expect.any(String));
    expect(err.message).toContain('provision on demand in job contoso-to-fabrikam');
  });

  test('deletion threshold is read from SyncNotificationSettings', async () => {
    const { gw } = gateway();
    await expect(gw.deletionThreshold(CONTOSO, c2f.servicePrincipalId)).resolves.toEqual({ enabled: true, value: DEMO.deleteThreshold, source: 'secrets' });
  });

  test('one $batch reads every job of a tenant', async () => {
    const { gw } = gateway();
    const configs = sim.estate().configurations.filter((c) => c.sourceTenantId === CONTOSO);
    const results = await gw.getJobs(
      CONTOSO,
      configs.map((c) => ({ servicePrincipalId: c.servicePrincipalId, jobId: c.jobId })),
    );
    expect(results.map((r) => r.ok && r.job.id)).toEqual(configs.map((c) => c.jobId));
    const log = await requestLog();
    expect(log.filter((r) => !r.inBatch)).toHaveLength(1);
    expect(log.filter((r) => !r.inBatch)[0]).toMatchObject({ method: 'POST', path: expect.stringContaining('$batch') as unknown });
  });
});

describe('scope (appRoleAssignedTo)', () => {
  test('assign, list and remove with the msiam_access role', async () => {
    const { gw } = gateway();
    const roleId = await gw.accessRoleId(CONTOSO, c2f.servicePrincipalId);
    const sp = await gw.servicePrincipal(CONTOSO, c2f.servicePrincipalId);
    // msiam_access is the displayName; its value is null (CTS Graph guide, step 6).
    expect(sp.appRoles.find((r) => r.displayName === 'msiam_access')).toMatchObject({ id: roleId, value: null });
    const a = await gw.assign(CONTOSO, c2f.servicePrincipalId, lee.id, 'User');
    expect(a).toMatchObject({ principalId: lee.id, resourceId: c2f.servicePrincipalId, appRoleId: roleId });
    expect((await gw.listAssignments(CONTOSO, c2f.servicePrincipalId)).map((x) => x.id)).toContain(a.id);
    await gw.unassign(CONTOSO, c2f.servicePrincipalId, a.id);
    expect((await gw.listAssignments(CONTOSO, c2f.servicePrincipalId)).map((x) => x.id)).not.toContain(a.id);
  });

  test('ensureAssigned twice → exactly one assignment; ensureUnassigned removes it', async () => {
    const { gw } = gateway();
    const first = await gw.ensureAssigned(CONTOSO, c2f.servicePrincipalId, lee.id, 'User');
    const second = await gw.ensureAssigned(CONTOSO, c2f.servicePrincipalId, lee.id, 'User');
    expect(first.created).toBe(true);
    expect(second).toMatchObject({ created: false, assignment: { id: first.assignment.id } });
    const mine = (await gw.listAssignments(CONTOSO, c2f.servicePrincipalId)).filter((x) => x.principalId === lee.id);
    expect(mine).toHaveLength(1);
    expect((await requestLog()).filter((r) => r.method === 'POST')).toHaveLength(1);
    await expect(gw.ensureUnassigned(CONTOSO, c2f.servicePrincipalId, lee.id)).resolves.toEqual({
      removed: 1,
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
    });
    await expect(gw.ensureUnassigned(CONTOSO, c2f.servicePrincipalId, lee.id)).resolves.toEqual({ removed: 0 });
  });

  test('paging: appRoleAssignedTo is followed across @odata.nextLink', async () => {
    const small = await startSimulator({ cycleIntervalMs: null, pageSize: 2 });
    try {
      const { gw } = gateway(small);
      const all = await gw.listAssignments(CONTOSO, c2f.servicePrincipalId);
      const { gw: gwBig } = gateway();
      const reference = await gwBig.listAssignments(CONTOSO, c2f.servicePrincipalId);
      expect(all.length).toBeGreaterThan(2);
      expect(new Set(all.map((a) => a.id))).toEqual(new Set(reference.map((a) => a.id)));
      const log = ((await (await fetch(`${small.url}/_sim/requests`)).json()) as { requests: { path: string }[] }).requests;
      expect(log.filter((r) => r.path.includes('appRoleAssignedTo')).length).toBe(Math.ceil(all.length / 2));
    } finally {
      await small.close();
    }
  });
});

describe('directory', () => {
  test('counts the users of a tenant with $count, the same number as paging through them', async () => {
    const { gw } = gateway();
    let listed = 0;
    let url: string | undefined = `${sim.url}/${CONTOSO}/v1.0/users?$select=id`;
    while (url) {
      const page: Page<{ id: string }> = await json<Page<{ id: string }>>(await fetch(url, { headers: { Authorization: 'Bearer t' } }));
      listed += page.value.length;
      url = page['@odata.nextLink'];
    }
    expect(listed).toBeGreaterThan(100);
    expect(await gw.userCount(CONTOSO)).toBe(listed);
  });

  test('user by UPN, by id and by mail', async () => {
    const { gw } = gateway();
    const byUpn = await gw.getUser(CONTOSO, megan.userPrincipalName);
    expect(byUpn).toMatchObject({ id: megan.id, displayName: megan.displayName });
    expect(await gw.getUser(CONTOSO, megan.id)).toMatchObject({ userPrincipalName: megan.userPrincipalName });
    expect(await gw.getUser(CONTOSO, 'nobody@contoso.onmicrosoft.com')).toBeNull();
    expect(byUpn!.mail).toEqual(expect.any(String));
    expect((await gw.usersByMail(CONTOSO, byUpn!.mail!)).map((u) => u.id)).toEqual([megan.id]);
    expect((await gw.findUser(CONTOSO, byUpn!.mail!))?.id).toBe(megan.id);
    const log = await requestLog();
    expect(log.some((r) => r.path === '/users' || r.path.startsWith('/users?'))).toBe(true);
  });

  test('did-you-mean prefix search', async () => {
    const { gw } = gateway();
    const found = await gw.usersStartingWith(CONTOSO, 'Meg');
    expect(found.map((u) => u.id)).toContain(megan.id);
  });

  test('an OData injection attempt finds nothing and changes nothing', async () => {
    const { gw } = gateway();
    const before = await gw.listAssignments(CONTOSO, c2f.servicePrincipalId);
    const evil = "x' or startswith(displayName,'";
    await expect(gw.usersStartingWith(CONTOSO, evil)).resolves.toEqual([]);
    await expect(gw.usersByMail(CONTOSO, evil)).resolves.toEqual([]);
    await expect(gw.findGroups(CONTOSO, "x' or displayName ne '")).resolves.toEqual([]);
    await expect(gw.getUser(CONTOSO, "x'@contoso.onmicrosoft.com")).resolves.toBeNull();
    await expect(gw.getUser(CONTOSO, '../groups')).rejects.toBeInstanceOf(GraphInputError);
    expect(await gw.listAssignments(CONTOSO, c2f.servicePrincipalId)).toEqual(before);
    const log = await requestLog();
    expect(log.every((r) => r.method === 'GET')).toBe(true);
  });

  test('groups: by name and id, direct and transitive members, count', async () => {
    const { gw } = gateway();
    const g = DEMO.groups.syncFabrikam;
    const byName = await gw.findGroups(CONTOSO, g.displayName);
    expect(byName.map((x) => x.id)).toEqual([g.id]);
    expect((await gw.getGroup(CONTOSO, g.id))?.displayName).toBe(g.displayName);
    const direct = await gw.groupMembers(CONTOSO, g.id);
    const transitive = await gw.groupTransitiveMembers(CONTOSO, g.id);
    expect(direct).toHaveLength(42);
    expect(direct.map((m) => m.displayName)).toContain('Lucas Larsen');
    expect(transitive.length).toBeGreaterThanOrEqual(direct.length);
    await expect(gw.groupMemberCount(CONTOSO, g.id)).resolves.toBe(direct.length);
  });
});

describe('roles (transitive)', () => {
  test('Adele holds Application Administrator through a group; Megan Hybrid Identity Administrator directly; Lee nothing', async () => {
    const { gw } = gateway();
    expect(await gw.roleTemplateIds(CONTOSO, adele.id)).toContain(ROLE.applicationAdmin);
    expect(await gw.roleTemplateIds(CONTOSO, megan.id)).toContain(ROLE.hybridIdentityAdmin);
    expect(await gw.roleTemplateIds(CONTOSO, lee.id)).toEqual([]);
    expect(await gw.groupIdsOf(CONTOSO, adele.id)).toContain(DEMO.groups.ctsApprovers.id);
  });
});

describe('logs and policy', () => {
  test('provisioning logs for a job after a cycle, newest first, typed', async () => {
    const { gw } = gateway();
    await control(`tenants/${CONTOSO}/jobs/${encodeURIComponent(c2f.jobId)}/cycle`, {});
    const logs = await gw.provisioningLogs(CONTOSO, { jobId: c2f.jobId, top: 20 });
    // top: 20 and the cycle logs more than 20 entries: a full page.
    expect(logs).toHaveLength(20);
    expect(logs.every((l) => l.jobId === c2f.jobId)).toBe(true);
    const times = logs.map((l) => Date.parse(l.activityDateTime ?? ''));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  test('partner policy and inbound identity sync in the target tenant', async () => {
    const { gw } = gateway();
    const sync = await gw.identitySyncPolicy(FABRIKAM, CONTOSO);
    expect(sync?.userSyncInbound?.isSyncAllowed).toBe(true);
    const partner = await gw.partnerPolicy(FABRIKAM, CONTOSO);
    expect(partner?.tenantId).toBe(CONTOSO);
  });
});

describe('faults from the simulator', () => {
  test('rate429=1 for a while: the GET is retried after Retry-After until the faults are lifted', async () => {
    const clock = fakeTime();
    const sleeps: number[] = [];
    clock.time.sleep = async (ms) => {
      sleeps.push(ms);
      if (sleeps.length === 2) await control('faults', { rate429: 0 });
    };
    const { gw } = gateway(sim, clock);
    await control('faults', { rate429: 1 });
    const job = await gw.getJob(ref);
    expect(job.id).toBe(c2f.jobId);
    expect(sleeps).toEqual([1000, 1000]);
    const statuses = (await requestLog()).map((r) => r.status);
    expect(statuses).toEqual([429, 429, 200]);
  });

  test('a POST start under 429 is retried and happens once', async () => {
    const clock = fakeTime();
    clock.time.sleep = async () => {
      await control('faults', { rate429: 0 });
    };
    const { gw } = gateway(sim, clock);
    await gw.pauseJob(ref);
    await control('faults', { rate429: 1 });
    await gw.startJob(ref);
    const posts = (await requestLog()).filter((r) => r.path.endsWith('/start'));
    expect(posts.map((r) => r.status)).toEqual([429, 204]);
    expect((await gw.getJob(ref)).status.code).not.toBe('Paused');
  });
});
