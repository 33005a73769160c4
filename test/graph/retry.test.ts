import { GraphGateway } from '../../src/graph/gateway';
import { GraphError, GraphOutcomeUnknownError, GraphResponseInvalidError } from '../../src/graph/errors';
import { fakeTime, JOB, jobBody, scriptedServer, SP, TENANT, type Reply } from './helpers';
import { rejectionOf } from '../harness/errors';

const ref = { tenantId: TENANT, servicePrincipalId: SP, jobId: JOB, label: 'contoso-to-fabrikam' };

async function setup(reply: (req: { method: string; url: string }, n: number) => Reply, retry = {}) {
  const server = await scriptedServer(reply);
  const clock = fakeTime();
  const gw = new GraphGateway({
    tenants: [{ id: TENANT, graphBaseUrl: server.baseUrl }],
    time: clock.time,
    retry: { maxAttempts: 5, maxTotalMs: 60_000, baseDelayMs: 1_000, maxDelayMs: 30_000, ...retry },
  });
  return { server, clock, gw };
}

const throttled = (seconds: number): Reply => ({
  status: 429,
  headers: { 'Retry-After': String(seconds), 'request-id': 'rid-429' },
  body: { error: { code: 'TooManyRequests', message: 'Too many requests', innerError: { 'request-id': 'rid-429' } } },
});

describe('retries (scripted server, injected time)', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  test('a GET throttled twice is retried after exactly Retry-After each time', async () => {
    const { server, clock, gw } = await setup((_r, n) => (n <= 2 ? throttled(2) : { status: 200, body: jobBody('Active') }));
    close = server.close;
    const job = await gw.getJob(ref);
    expect(job.status.code).toBe('Active');
    expect(server.requests).toHaveLength(3);
    expect(clock.sleeps).toEqual([2000, 2000]);
    expect(server.requests.every((r) => r.headers.authorization === 'Bearer simulator')).toBe(true);
  });

  test('a GET throttled without Retry-After backs off exponentially', async () => {
    const { server, clock, gw } = await setup((_r, n) => (n <= 3 ? { status: 503 } : { status: 200, body: jobBody() }));
    close = server.close;
    await gw.getJob(ref);
    // random() = 0 → half of the 1 s, 2 s, 4 s ceilings
    expect(clock.sleeps).toEqual([500, 1000, 2000]);
  });

  test('POST start is retried on 429 (Graph rejects before doing anything)', async () => {
    const { server, clock, gw } = await setup((_r, n) => (n === 1 ? throttled(1) : { status: 204 }));
    close = server.close;
    await gw.startJob(ref);
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      `POST /v1.0/servicePrincipals/${SP}/synchronization/jobs/${JOB}/start`,
      `POST /v1.0/servicePrincipals/${SP}/synchronization/jobs/${JOB}/start`,
    ]);
    expect(clock.sleeps).toEqual([1000]);
  });

  test('a POST that times out is NOT retried: GraphOutcomeUnknownError', async () => {
    let fire = () => {};
    const { server, clock, gw } = await setup(() => {
      fire();
      return 'hang';
    });
    fire = clock.fireTimers;
    close = server.close;
    const err = await rejectionOf(gw.startJob(ref), GraphOutcomeUnknownError);
    expect(err).toBeInstanceOf(GraphOutcomeUnknownError);
    expect(err.reason).toBe('timeout');
    expect(err.message).toContain('start job contoso-to-fabrikam');
    expect(server.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  test('a GET that times out is retried', async () => {
    let fire = () => {};
    const { server, clock, gw } = await setup((_r, n) => {
      if (n === 1) {
        fire();
        return 'hang';
      }
      return { status: 200, body: jobBody() };
    });
    fire = clock.fireTimers;
    close = server.close;
    await expect(gw.getJob(ref)).resolves.toMatchObject({ id: JOB });
    expect(server.requests).toHaveLength(2);
  });

  test('a POST answered 503 WITH Retry-After is not resent either (it may have been applied): outcome unknown', async () => {
    const { server, clock, gw } = await setup((_r, n) => (n === 1 ? { status: 503, headers: { 'Retry-After': '3' } } : { status: 204 }));
    close = server.close;
    const err = await rejectionOf(gw.restartJob(ref, 'Watermark'), GraphOutcomeUnknownError);
    expect(err).toBeInstanceOf(GraphOutcomeUnknownError);
    expect(server.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  test.each([500, 502, 503])('a DELETE applied then answered %i is read back: removed, not failed, and not sent again', async (status) => {
    const assignment = {
      id: 'asg-1',
      principalId: 'e1c7a3f0-92b4-4d6e-8a15-7c3b9d2f4e61',
      principalType: 'User',
      resourceId: SP,
      appRoleId: 'r1',
      principalDisplayName: 'Megan',
      createdDateTime: '2026-01-01T00:00:00Z',
    };
    let deleted = false;
    const { server, gw } = await setup((r) => {
      if (r.method === 'DELETE') {
        deleted = true;
        return { status, headers: { 'Retry-After': '1' } };
      }
      return { status: 200, body: { value: deleted ? [] : [assignment] } };
    });
    close = server.close;
    const out = await gw.ensureUnassigned(TENANT, SP, assignment.principalId);
    expect(out).toEqual({ removed: 1 });
    expect(server.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
  });

  test('a DELETE answered 500 that did NOT apply stays an unknown outcome (the caller reports it, nothing resent)', async () => {
    const assignment = {
      id: 'asg-1',
      principalId: 'e1c7a3f0-92b4-4d6e-8a15-7c3b9d2f4e61',
      principalType: 'User',
      resourceId: SP,
      appRoleId: 'r1',
      principalDisplayName: 'Megan',
      createdDateTime: '2026-01-01T00:00:00Z',
    };
    const { server, gw } = await setup((r) => (r.method === 'DELETE' ? { status: 500 } : { status: 200, body: { value: [assignment] } }));
    close = server.close;
    await expect(gw.ensureUnassigned(TENANT, SP, assignment.principalId)).rejects.toBeInstanceOf(GraphOutcomeUnknownError);
    expect(server.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
  });

  test.each([500, 502, 503, 504])('a POST answered %i (no Retry-After) is NOT retried: outcome unknown', async (status) => {
    const { server, gw } = await setup(() => ({ status, headers: { 'request-id': 'rid-5xx' } }));
    close = server.close;
    const err = await rejectionOf(gw.pauseJob(ref), GraphOutcomeUnknownError);
    expect(err).toBeInstanceOf(GraphOutcomeUnknownError);
    expect(err.status).toBe(status);
    expect(server.requests).toHaveLength(1);
  });

  test('the total-time cap holds: no wait that would end past maxTotalMs', async () => {
    const { server, clock, gw } = await setup(() => throttled(20), { maxTotalMs: 45_000, maxAttempts: 10 });
    close = server.close;
    const err = await rejectionOf(gw.getJob(ref), GraphError);
    expect(err).toBeInstanceOf(GraphError);
    expect(err.isThrottled).toBe(true);
    expect(err.requestId).toBe('rid-429');
    expect(clock.sleeps).toEqual([20_000, 20_000]);
    expect(clock.sleeps.reduce((a: number, b: number) => a + b, 0)).toBeLessThanOrEqual(45_000);
    expect(server.requests).toHaveLength(3);
  });

  test('the attempt cap holds', async () => {
    const { server, gw } = await setup(() => throttled(1), { maxAttempts: 3 });
    close = server.close;
    await expect(gw.getJob(ref)).rejects.toBeInstanceOf(GraphError);
    expect(server.requests).toHaveLength(3);
  });

  test('Graph errors become typed GraphErrors with code, request-id and words', async () => {
    const { server, gw } = await setup(() => ({
      status: 404,
      headers: { 'request-id': 'header-rid' },
      body: {
        error: {
          code: 'Request_ResourceNotFound',
          message: 'Resource does not exist.',
          innerError: { 'request-id': 'inner-rid', date: '2026-01-01T00:00:00' },
        },
      },
    }));
    close = server.close;
    const err = await rejectionOf(gw.getJob(ref), GraphError);
    expect(err).toBeInstanceOf(GraphError);
    expect(err).toMatchObject({
      status: 404,
      code: 'Request_ResourceNotFound',
      requestId: 'inner-rid',
      operation: 'read job contoso-to-fabrikam',
      isNotFound: true,
    });
    expect(err.message).toMatch(/^Could not read job contoso-to-fabrikam/);
    expect(server.requests).toHaveLength(1);
  });

  test('a 2xx answer of the wrong shape is GraphResponseInvalidError', async () => {
    const { server, gw } = await setup(() => ({ status: 200, body: { id: JOB, status: { code: 42 } } }));
    close = server.close;
    const err = await rejectionOf(gw.getJob(ref), GraphResponseInvalidError);
    expect(err).toBeInstanceOf(GraphResponseInvalidError);
    expect(err.issues).toContain('status.code');
  });

  test('listJobs follows @odata.nextLink to the last page', async () => {
    const { server, gw } = await setup((req) =>
      req.url.includes('skiptoken')
        ? { status: 200, body: { value: [jobBody('Paused', `${JOB}.2`)] } }
        : {
            status: 200,
            body: { value: [jobBody('Active')], '@odata.nextLink': `${server.baseUrl}/servicePrincipals/${SP}/synchronization/jobs?$skiptoken=p2` },
          },
    );
    close = server.close;
    const jobs = await gw.listJobs(TENANT, SP);
    expect(jobs.map((j) => j.id)).toEqual([JOB, `${JOB}.2`]);
    expect(server.requests).toHaveLength(2);
  });

  test('a nextLink to another host is refused (the token would follow it)', async () => {
    const { server, gw } = await setup(() => ({ status: 200, body: { value: [], '@odata.nextLink': 'https://evil.example/v1.0/next' } }));
    close = server.close;
    await expect(gw.listAssignments(TENANT, SP)).rejects.toBeInstanceOf(GraphResponseInvalidError);
  });

  test('a credential that cannot sign in fails fast with AuthenticationFailed, nothing sent', async () => {
    const server = await scriptedServer(() => ({ status: 200, body: jobBody() }));
    close = server.close;
    const gw = new GraphGateway({
      tenants: [{ id: TENANT, graphBaseUrl: server.baseUrl }],
      time: fakeTime().time,
      authProviderFor: () => ({ getAccessToken: async () => Promise.reject(new Error('AADSTS7000215: Invalid client secret provided.')) }),
    });
    const err = await rejectionOf(gw.getJob(ref), GraphError);
    expect(err).toBeInstanceOf(GraphError);
    expect(err.code).toBe('AuthenticationFailed');
    expect(server.requests).toHaveLength(0);
  });
});
