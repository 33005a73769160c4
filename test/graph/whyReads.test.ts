import { GraphGateway } from '../../src/graph/gateway';
import { fakeTime, JOB, scriptedServer, TENANT } from './helpers';

const ADA = '11111111-2222-4333-8444-555555555555';
const BO = '22222222-3333-4444-8555-666666666666';
const entry = (id: string, user: string) => ({
  id,
  activityDateTime: '2026-11-23T10:00:00Z',
  jobId: JOB,
  provisioningAction: 'create',
  sourceIdentity: { id: user },
  provisioningSteps: [],
  provisioningStatusInfo: { status: 'success' },
});

describe("why: one user's provisioning-log entries", () => {
  test('filters the server on jobId and time only, picks the user out in code, and waits under the shared 5 per 10 s', async () => {
    const server = await scriptedServer(() => ({ status: 200, body: { value: [entry('1', BO), entry('2', ADA), entry('3', BO)] } }));
    try {
      const clock = fakeTime(0);
      const gw = new GraphGateway({ tenants: [{ id: TENANT, graphBaseUrl: server.baseUrl }], time: clock.time });
      const since = new Date('2026-11-16T10:00:00Z');
      // Four reads for `why` and two for the monitor's job logs share one limiter per tenant: the 6th waits.
      const whys = Array.from({ length: 4 }, () => gw.userProvisioningLogs(TENANT, { jobId: JOB, userId: ADA.toUpperCase(), since, maxPages: 1 }));
      const jobs = Array.from({ length: 2 }, () => gw.provisioningLogs(TENANT, { jobId: JOB }));
      const [first] = await Promise.all(whys);
      await Promise.all(jobs);
      expect(first.entries.map((e) => e.id)).toEqual(['2']);
      expect(server.requests).toHaveLength(6);
      expect(clock.sleeps).toEqual([10_250]);
      const filter = new URL(server.requests[0].url, 'http://x').searchParams.get('$filter');
      expect(filter).toBe(`jobId eq '${JOB}' and activityDateTime gt 2026-11-16T10:00:00.000Z`);
    } finally {
      await server.close();
    }
  });

  test('contacts are looked up by proxy address with the advanced-query header', async () => {
    const server = await scriptedServer(() => ({
      status: 200,
      body: { value: [{ id: 'c1', displayName: 'Ada', mail: 'ada@contoso.com', proxyAddresses: ['SMTP:ada@contoso.com'] }] },
    }));
    try {
      const gw = new GraphGateway({ tenants: [{ id: TENANT, graphBaseUrl: server.baseUrl }], time: fakeTime(0).time });
      expect(await gw.contactsWithAddress(TENANT, "o'neil@contoso.com")).toHaveLength(1);
      const req = server.requests[0];
      const q = new URL(req.url, 'http://x').searchParams;
      expect(q.get('$filter')).toBe("proxyAddresses/any(p:p eq 'smtp:o''neil@contoso.com')");
      expect(q.get('$count')).toBe('true');
      expect(req.headers['consistencylevel']).toBe('eventual');
    } finally {
      await server.close();
    }
  });
});
