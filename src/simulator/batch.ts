import { z } from 'zod';
import { SimError } from './engine';
import type { GraphResponse } from './graphHttp';

/** JSON batching (reference §8): ≤ 20 requests, unique ids, dependsOn with 424, outer 200, any order back. */

export const MAX_BATCH = 20;

const BatchItem = z
  .object({
    id: z.string().min(1),
    method: z
      .string()
      .min(1)
      .transform((m) => m.toUpperCase()),
    url: z.string().min(1),
    headers: z.record(z.string()).optional(),
    body: z.unknown().optional(),
    dependsOn: z.array(z.string()).optional(),
  })
  .passthrough();
const BatchBody = z.object({ requests: z.array(BatchItem) }).passthrough();
export type BatchItem = z.infer<typeof BatchItem>;

export type Executor = (item: BatchItem, path: string) => GraphResponse;

const bad = (msg: string) => new SimError(400, 'BadRequest', msg);

export function runBatch(raw: unknown, exec: Executor): { responses: unknown[] } {
  const parsed = BatchBody.safeParse(raw);
  if (!parsed.success) throw bad(`Invalid batch payload: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
  const items = parsed.data.requests;
  if (items.length === 0) throw bad('The batch must contain at least one request.');
  if (items.length > MAX_BATCH) throw bad(`The number of requests in the batch (${items.length}) exceeds the limit of ${MAX_BATCH}.`);
  const ids = new Set<string>();
  for (const it of items) {
    if (ids.has(it.id)) throw bad(`Batch request ids must be unique: '${it.id}' is used twice.`);
    ids.add(it.id);
  }
  for (const it of items) {
    for (const d of it.dependsOn ?? []) if (!ids.has(d) || d === it.id) throw bad(`Request '${it.id}' depends on unknown request '${d}'.`);
    if (/^[a-z]+:\/\//i.test(it.url)) throw bad(`Request '${it.id}': the url must be relative to the version, e.g. /users.`);
    if (/^\/?\$batch/i.test(it.url)) throw bad('Nested batches are not supported.');
    if (it.body !== undefined && !Object.keys(it.headers ?? {}).some((h) => h.toLowerCase() === 'content-type')) {
      throw bad(`Request '${it.id}' has a body, so it needs a Content-Type header.`);
    }
  }
  const results = new Map<string, { id: string; status: number; headers: Record<string, string>; body?: unknown }>();
  const done: string[] = [];
  while (done.length < items.length) {
    const ready = items.filter((it) => !results.has(it.id) && (it.dependsOn ?? []).every((d) => results.has(d)));
    if (ready.length === 0) throw bad('The dependsOn chain has a cycle.');
    for (const it of ready) {
      const failed = (it.dependsOn ?? []).find((d) => results.get(d)!.status >= 400);
      let res: GraphResponse;
      if (failed) {
        res = { status: 424, body: { error: { code: 'FailedDependency', message: `Request '${failed}', which this request depends on, failed.` } } };
      } else {
        res = exec(it, it.url.startsWith('/') ? it.url : `/${it.url}`);
      }
      const headers: Record<string, string> = { ...(res.headers ?? {}) };
      if (res.body !== undefined && !headers['content-type']) headers['content-type'] = typeof res.body === 'string' ? 'text/plain' : 'application/json';
      results.set(it.id, { id: it.id, status: res.status, headers, ...(res.body !== undefined ? { body: res.body } : {}) });
      done.push(it.id);
    }
  }
  // Graph may answer in any order; answering in reverse keeps clients honest about matching by id.
  return { responses: done.reverse().map((id) => results.get(id)) };
}
