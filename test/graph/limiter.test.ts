import { WindowLimiter } from '../../src/domain/rateLimit';
import { GraphGateway } from '../../src/graph/gateway';
import { fakeTime, JOB, scriptedServer, SP, TENANT } from './helpers';

const OTHER_SP = '66666666-7777-4888-9999-000000000000';

describe('5 requests / 10 s limiter on an injected clock', () => {
  test("the 7th call's place counts down 6, 5, … 0 while it waits", async () => {
    const clock = fakeTime(0);
    const limiter = new WindowLimiter(5, 10_000, clock.time);
    const seventh: number[] = [];
    const calls = Array.from({ length: 7 }, (_, i) => limiter.run(() => Promise.resolve(i), i === 6 ? (ahead) => seventh.push(ahead) : undefined));
    await Promise.all(calls);
    expect(seventh).toEqual([6, 5, 4, 3, 2, 1, 0]);
  });

  test('the 6th and 7th calls wait for the window; nobody fails; queue positions are reported', async () => {
    const clock = fakeTime(0);
    const limiter = new WindowLimiter(5, 10_000, clock.time);
    const startedAt: number[] = [];
    const positions: number[] = [];
    const calls = Array.from({ length: 7 }, (_, i) =>
      limiter.run(
        () => {
          startedAt.push(clock.now());
          return Promise.resolve(i);
        },
        (ahead) => positions.push(ahead),
      ),
    );
    expect(limiter.queued).toBe(7);
    await expect(Promise.all(calls)).resolves.toEqual([0, 1, 2, 3, 4, 5, 6]);
    // Each call's place is announced when it queues, then again as every call ahead of it leaves (issue 16: the
    // provision card's "N calls ahead" counted nothing down).
    expect(positions.slice(0, 7)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(positions.slice(7)).toEqual([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 0, 1, 2, 3, 0, 1, 2, 0, 1, 0]);
    // One window plus the safety margin after the first five.
    expect(startedAt).toEqual([0, 0, 0, 0, 0, 10_250, 10_250]);
    expect(limiter.queued).toBe(0);
  });

  test('a failing call does not block the queue', async () => {
    const clock = fakeTime(0);
    const limiter = new WindowLimiter(1, 1_000, clock.time);
    const a = limiter.run(() => Promise.reject(new Error('boom')));
    const b = limiter.run(() => Promise.resolve('ok'));
    await expect(a).rejects.toThrow('boom');
    await expect(b).resolves.toBe('ok');
    expect(clock.sleeps).toEqual([1_250]); // the window left, plus the safety margin
  });
});

describe('provisionOnDemand limiter (gateway, scripted server)', () => {
  test('is shared by all jobs of a tenant, as Graph counts it: the 6th call across two jobs waits', async () => {
    const server = await scriptedServer(() => ({ status: 200, body: { key: null, value: null } }));
    try {
      const clock = fakeTime(0);
      const gw = new GraphGateway({ tenants: [{ id: TENANT, graphBaseUrl: server.baseUrl }], time: clock.time });
      const jobA = { tenantId: TENANT, servicePrincipalId: SP, jobId: JOB };
      const jobB = { tenantId: TENANT, servicePrincipalId: OTHER_SP, jobId: `Azure2Azure.def456.${OTHER_SP}` };
      const subject = [{ objectId: OTHER_SP, objectTypeName: 'User' as const }];
      const calls = [jobA, jobB, jobA, jobB, jobA, jobB].map((ref) => gw.provisionOnDemand(ref, subject, { ruleId: 'USER_INBOUND_USER' }));
      expect(gw.provisionQueueLength(jobB)).toBe(6);
      expect(gw.provisionQueueLength({ ...jobA, tenantId: TENANT.toUpperCase() })).toBe(6);
      await Promise.all(calls);
      expect(server.requests).toHaveLength(6);
      expect(clock.sleeps).toEqual([10_250]);
    } finally {
      await server.close();
    }
  });
});
