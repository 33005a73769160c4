import type { Client } from '@microsoft/microsoft-graph-client';
import type { SynchronizationJob, User } from '@microsoft/microsoft-graph-types';
import { getAs, postAs, type Page } from '../harness/json';
import type { SimRequest } from '../harness/sim';
import { DEMO, startSimulator, type RunningSimulator } from '../../src/simulator';
import { EstateSchema } from '../../src/config/estate';
import { control, graphError, graphFor, withSim } from './helpers';

const C = DEMO.tenants.contoso.id;
const cfg = DEMO.configurations.contosoToFabrikam;
const JOB = `/servicePrincipals/${cfg.servicePrincipalId}/synchronization/jobs/${cfg.jobId}`;
/** A JSON $batch answer; the bodies here are a user or a job. */
type BatchAnswer = { responses: { id: string; status: number; body?: { displayName?: string; status?: { code?: string } } }[] };

describe('$batch, faults, control API', () => {
  let sim: RunningSimulator;
  let g: Client;
  beforeEach(async () => {
    ({ sim } = await withSim());
    g = graphFor(sim, C);
  });
  afterEach(() => sim.close());

  it("serves an estate that the bot's CTS_CONFIG schema accepts", async () => {
    const estate = (await control(sim, 'GET', '/_sim/estate')).body;
    expect(estate).toEqual(sim.estate());
    const parsed = EstateSchema.parse(estate);
    expect(parsed.configurations.map((c) => c.name)).toEqual(['contoso-to-fabrikam', 'contoso-to-northwind', 'fabrikam-to-northwind']);
    expect(parsed.tenants[0].graphBaseUrl).toBe(`${sim.url}/${C}/v1.0`);
  });

  it('answers a batch of 20 with every response matched by id, and refuses 21', async () => {
    const requests = Array.from({ length: 20 }, (_, i) => ({ id: String(i + 1), method: 'GET', url: i % 2 ? JOB : `/users/${DEMO.users.megan.id}` }));
    const res = await postAs<BatchAnswer>(g.api('/$batch'), { requests });
    expect(res.responses).toHaveLength(20);
    expect(res.responses.map((r) => r.id)).not.toEqual(requests.map((r) => r.id)); // order is not promised
    for (const r of res.responses) {
      expect(r.status).toBe(200);
      expect(Number(r.id) % 2 ? r.body?.displayName : r.body?.status?.code).toBe(Number(r.id) % 2 ? 'Megan Bowen' : 'Active');
    }
    const tooMany = await graphError(g.api('/$batch').post({ requests: [...requests, { id: '21', method: 'GET', url: '/users' }] }));
    expect(tooMany).toMatchObject({ statusCode: 400, code: 'BadRequest' });
    const dup = await graphError(g.api('/$batch').post({ requests: [requests[0], requests[0]] }));
    expect(dup.statusCode).toBe(400);
  });

  it('runs dependsOn in order and answers 424 when a dependency fails; inner failures keep the outer 200', async () => {
    const res = await postAs<BatchAnswer>(g.api('/$batch'), {
      requests: [
        { id: 'pause', method: 'POST', url: `${JOB}/pause`, body: {}, headers: { 'Content-Type': 'application/json' } },
        { id: 'read', method: 'GET', url: JOB, dependsOn: ['pause'] },
        { id: 'missing', method: 'GET', url: '/users/00000000-0000-0000-0000-000000000000' },
        { id: 'after-missing', method: 'GET', url: '/users', dependsOn: ['missing'] },
      ],
    });
    const byId = Object.fromEntries(res.responses.map((r) => [r.id, r]));
    expect(byId.pause.status).toBe(204);
    expect(byId.read.body?.status?.code).toBe('Paused');
    expect(byId.missing.status).toBe(404);
    expect(byId['after-missing'].status).toBe(424);
    const noType = await graphError(g.api('/$batch').post({ requests: [{ id: '1', method: 'POST', url: `${JOB}/start`, body: {} }] }));
    expect(noType.statusCode).toBe(400);
  });

  it('injects 429 with Retry-After and 503, deterministically per seed, and clears with 0', async () => {
    await control(sim, 'POST', '/_sim/faults', { tenantId: C, rate429: 1 });
    const throttled = await graphError(g.api('/users').get());
    expect(throttled.statusCode).toBe(429);
    expect(Number(throttled.headers?.get('retry-after'))).toBeGreaterThan(0);
    await control(sim, 'POST', '/_sim/faults', { tenantId: C, rate503: 1 });
    expect((await graphError(g.api('/users').get())).statusCode).toBe(503);
    // Other tenants are unaffected by a tenant-scoped fault.
    expect((await getAs<Page<User>>(graphFor(sim, DEMO.tenants.fabrikam.id).api('/users').top(1))).value).toHaveLength(1);
    await control(sim, 'POST', '/_sim/faults', { tenantId: C, rate503: 0 });
    expect((await getAs<Page<User>>(g.api('/users').top(1))).value).toHaveLength(1);

    const pattern = async (s: RunningSimulator) => {
      await control(s, 'POST', '/_sim/faults', { rate429: 0.5 });
      const out: number[] = [];
      for (let i = 0; i < 12; i++) out.push((await fetch(`${s.url}/${C}/v1.0/users?$top=1`, { headers: { Authorization: 'Bearer x' } })).status);
      return out;
    };
    const other = await startSimulator({ cycleIntervalMs: null, seed: 42 });
    try {
      const [a, b] = [await pattern(sim), await pattern(other)];
      expect(a).toEqual(b);
      expect(new Set(a)).toEqual(new Set([200, 429]));
    } finally {
      await other.close();
    }
  });

  it('inner batch requests are throttled one by one', async () => {
    await control(sim, 'POST', '/_sim/faults', { tenantId: C, rate429: 0.5 });
    let res: BatchAnswer | undefined;
    for (let i = 0; i < 5 && !res; i++)
      res = await postAs<BatchAnswer>(g.api('/$batch'), {
        requests: Array.from({ length: 10 }, (_, k) => ({ id: `${k}`, method: 'GET', url: '/users?$top=1' })),
      }).catch(() => undefined);
    expect(res?.responses).toHaveLength(10);
    const statuses = new Set(res?.responses.map((r) => r.status));
    expect(statuses).toEqual(new Set([200, 429]));
  });

  it('logs Graph requests per tenant so tests can count them', async () => {
    await control(sim, 'DELETE', '/_sim/requests');
    await getAs<SynchronizationJob>(g.api(JOB));
    await g.api('/$batch').post({
      requests: [
        { id: '1', method: 'GET', url: JOB },
        { id: '2', method: 'GET', url: '/users?$top=1' },
      ],
    });
    const log = (await control<{ byTenant: Record<string, number>; requests: SimRequest[] }>(sim, 'GET', '/_sim/requests')).body;
    expect(log.byTenant[C]).toBe(4);
    expect(log.requests.filter((r) => r.inBatch)).toHaveLength(2);
    expect(log.requests[0]).toMatchObject({ method: 'GET', path: JOB, status: 200 });
  });

  it('resets to the seeded estate', async () => {
    await g.api(`${JOB}/pause`).post({});
    await control(sim, 'POST', '/_sim/reset');
    expect((await getAs<SynchronizationJob>(g.api(JOB))).status?.code).toBe('Active');
    const state = (await control<{ tenants: unknown[]; jobs: { code: string }[] }>(sim, 'GET', '/_sim/state')).body;
    expect(state.tenants).toHaveLength(3);
    expect(state.jobs.every((j) => j.code === 'Active')).toBe(true);
  });

  it('the small estate starts quickly and keeps the fixed ids', async () => {
    const small = await startSimulator({ estate: 'small', cycleIntervalMs: null });
    try {
      const r = await getAs<User>(graphFor(small, C).api(`/users/${DEMO.users.adele.id}`));
      expect(r.displayName).toBe('Adele Vance');
      expect((await getAs<SynchronizationJob>(graphFor(small, C).api(JOB))).status?.code).toBe('Active');
    } finally {
      await small.close();
    }
  });
});
