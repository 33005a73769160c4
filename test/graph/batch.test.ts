import { GraphGateway } from '../../src/graph/gateway';
import { GraphError } from '../../src/graph/errors';
import * as schemas from '../../src/graph/schemas';
import { fakeTime, jobBody, scriptedServer, SP, TENANT } from './helpers';
import { parseAs } from '../harness/json';

const jobId = (i: number) => `Azure2Azure.j${i}.${SP}`;
/** The JSON $batch request body the gateway sent (Graph's shape). */
const batchOf = (body: string) => parseAs<{ requests: { id: string; method: string; url: string }[] }>(body);

describe('$batch job reads (scripted server)', () => {
  test('45 jobs (with a duplicate) → 3 batches of ≤ 20 unique ids, mapped back by id, out-of-order answers', async () => {
    const server = await scriptedServer((req) => {
      const { requests } = JSON.parse(req.body) as { requests: { id: string; url: string }[] };
      const responses = requests
        .map((r) => ({
          id: r.id,
          status: 200,
          headers: { 'Content-Type': 'application/json' },
          body: jobBody('Active', decodeURIComponent(r.url.split('/').pop()!)),
        }))
        .reverse();
      return { status: 200, body: { responses } };
    });
    try {
      const gw = new GraphGateway({ tenants: [{ id: TENANT, graphBaseUrl: server.baseUrl }], time: fakeTime().time, batchConcurrency: 1 });
      const keys = Array.from({ length: 45 }, (_, i) => ({ servicePrincipalId: SP, jobId: jobId(i) }));
      keys.push({ servicePrincipalId: SP, jobId: jobId(3) });
      const results = await gw.getJobs(TENANT, keys);
      expect(results).toHaveLength(46);
      results.forEach((r, i) => {
        expect(r.ok).toBe(true);
        if (r.ok) expect(r.job.id).toBe(keys[i].jobId);
      });
      expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(Array(3).fill('POST /v1.0/$batch'));
      const sizes = server.requests.map((r) => batchOf(r.body).requests.length);
      expect(sizes).toEqual([20, 20, 5]);
      for (const r of server.requests) {
        const ids = batchOf(r.body).requests.map((q) => q.id);
        expect(new Set(ids).size).toBe(ids.length);
      }
    } finally {
      await server.close();
    }
  });

  test('a job whose body did not change since the last read is not validated again; a changed one is (issue 15: poll CPU)', async () => {
    let code = 'Active';
    const server = await scriptedServer((req) => {
      const { requests } = JSON.parse(req.body) as { requests: { id: string; url: string }[] };
      const responses = requests.map((r) => {
        const id = decodeURIComponent(r.url.split('/').pop()!);
        return { id: r.id, status: 200, headers: {}, body: jobBody(id === jobId(0) ? code : 'Active', id) };
      });
      return { status: 200, body: { responses } };
    });
    const validate = jest.spyOn(schemas.SyncJobSchema, 'safeParse');
    try {
      const gw = new GraphGateway({ tenants: [{ id: TENANT, graphBaseUrl: server.baseUrl }], time: fakeTime().time });
      const keys = Array.from({ length: 30 }, (_, i) => ({ servicePrincipalId: SP, jobId: jobId(i) }));
      await gw.getJobs(TENANT, keys);
      expect(validate).toHaveBeenCalledTimes(30);
      validate.mockClear();
      code = 'Quarantine';
      const again = await gw.getJobs(TENANT, keys);
      expect(validate).toHaveBeenCalledTimes(1);
      expect(again[0].ok && again[0].job.status.code).toBe('Quarantine');
      expect(again.every((r) => r.ok)).toBe(true);
      // What the reads hand out is shared between reads: frozen, never changed by a reader.
      expect(again[1].ok && Object.isFrozen(again[1].job.status)).toBe(true);
    } finally {
      validate.mockRestore();
      await server.close();
    }
  });

  test('only the throttled items are sent again, after their Retry-After; other failures are typed per item', async () => {
    const server = await scriptedServer((req, n) => {
      const { requests } = JSON.parse(req.body) as { requests: { id: string; url: string }[] };
      return {
        status: 200,
        body: {
          responses: requests.map((r) => {
            const id = decodeURIComponent(r.url.split('/').pop()!);
            if (id === jobId(1) && n === 1)
              return { id: r.id, status: 429, headers: { 'Retry-After': '7' }, body: { error: { code: 'TooManyRequests', message: 'slow down' } } };
            if (id === jobId(2))
              return {
                id: r.id,
                status: 404,
                headers: {},
                body: { error: { code: 'Request_ResourceNotFound', message: 'gone', innerError: { 'request-id': 'rid-404' } } },
              };
            return { id: r.id, status: 200, body: jobBody('Paused', id) };
          }),
        },
      };
    });
    try {
      const clock = fakeTime();
      const gw = new GraphGateway({ tenants: [{ id: TENANT, graphBaseUrl: server.baseUrl }], time: clock.time });
      const keys = [0, 1, 2].map((i) => ({ servicePrincipalId: SP, jobId: jobId(i) }));
      const [a, b, c] = await gw.getJobs(TENANT, keys);
      expect(a.ok && a.job.status.code).toBe('Paused');
      expect(b.ok && b.job.id).toBe(jobId(1));
      expect(c.ok).toBe(false);
      if (!c.ok) {
        expect(c.error).toBeInstanceOf(GraphError);
        expect(c.error).toMatchObject({ status: 404, code: 'Request_ResourceNotFound', requestId: 'rid-404' });
      }
      expect(server.requests).toHaveLength(2);
      expect(batchOf(server.requests[1].body).requests.map((r) => r.url)).toEqual([`/servicePrincipals/${SP}/synchronization/jobs/${jobId(1)}`]);
      expect(clock.sleeps).toEqual([7000]);
    } finally {
      await server.close();
    }
  });

  test('a failed $batch request fails only its own chunk of jobs', async () => {
    const server = await scriptedServer((req, n) => {
      if (n === 2) return { status: 403, body: { error: { code: 'Authorization_RequestDenied', message: 'no' } } };
      const { requests } = JSON.parse(req.body) as { requests: { id: string; url: string }[] };
      return {
        status: 200,
        body: { responses: requests.map((r) => ({ id: r.id, status: 200, body: jobBody('Active', decodeURIComponent(r.url.split('/').pop()!)) })) },
      };
    });
    try {
      const gw = new GraphGateway({ tenants: [{ id: TENANT, graphBaseUrl: server.baseUrl }], time: fakeTime().time, batchConcurrency: 1 });
      const keys = Array.from({ length: 45 }, (_, i) => ({ servicePrincipalId: SP, jobId: jobId(i) }));
      const results = await gw.getJobs(TENANT, keys);
      expect(results).toHaveLength(45);
      results.forEach((r, i) => {
        expect(r.jobId).toBe(keys[i].jobId);
        expect(r.ok).toBe(i < 20 || i >= 40);
        if (!r.ok) expect(r.error).toMatchObject({ status: 403, isForbidden: true });
      });
    } finally {
      await server.close();
    }
  });

  test('1,000 jobs are polled in 50 requests', async () => {
    const server = await scriptedServer((req) => {
      const { requests } = JSON.parse(req.body) as { requests: { id: string; url: string }[] };
      return {
        status: 200,
        body: { responses: requests.map((r) => ({ id: r.id, status: 200, body: jobBody('Active', decodeURIComponent(r.url.split('/').pop()!)) })) },
      };
    });
    try {
      const gw = new GraphGateway({ tenants: [{ id: TENANT, graphBaseUrl: server.baseUrl }], time: fakeTime().time });
      const results = await gw.getJobs(
        TENANT,
        Array.from({ length: 1000 }, (_, i) => ({ servicePrincipalId: SP, jobId: jobId(i) })),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1000);
      expect(server.requests.length).toBe(50);
    } finally {
      await server.close();
    }
  });
});
