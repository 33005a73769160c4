import pLimit from 'p-limit';
import type { SafeParseReturnType, ZodType, ZodTypeDef } from 'zod';
import type { TenantGraph } from './client';
import { errorFromResponse } from './client';
import { GraphError, GraphResponseInvalidError } from './errors';
import { guidSegment, jobIdSegment } from './odata';
import { backoffDelay, parseRetryAfter } from '../domain/backoff';
import type { Clock } from '../domain/clock';
import type { RetrySettings } from './retry';
import { BatchResponseSchema, SyncJobSchema, type SyncJob } from './schemas';

export interface JobKey {
  servicePrincipalId: string;
  jobId: string;
}

export type BatchJobResult = (JobKey & { ok: true; job: SyncJob }) | (JobKey & { ok: false; error: GraphError | GraphResponseInvalidError });

/** One GET inside a $batch: `key` names its answer, `schema` validates it. */
export interface BatchGet<T> {
  key: string;
  path: string;
  schema: ZodType<T, ZodTypeDef, unknown>;
  /** Validates the answer instead of `schema.safeParse` (jobs: skips bodies parsed before, see JobBatchReader.parsed). */
  parse?: (body: unknown) => SafeParseReturnType<unknown, T>;
  operation: string;
}

export type BatchGetResult<T> = { ok: true; value: T } | { ok: false; error: GraphError | GraphResponseInvalidError };

/** Graph's documented maximum per $batch. */
export const BATCH_LIMIT = 20;

/**
 * Reads many jobs' status (or any GETs: the doctor's policy reads) through `POST /$batch`, 20 per request: the
 * monitor polls 1,000 jobs in 50.
 * Inner requests are throttled one by one, so only the 429/503 items are sent again, after their Retry-After.
 */
export class JobBatchReader {
  constructor(
    private readonly g: TenantGraph,
    private readonly retry: RetrySettings,
    private readonly time: Clock,
    private readonly concurrency = 4,
  ) {}

  /**
   * Each job's body as last read and what it parsed to. A job whose body did not change since the last poll (most of
   * them) is not validated again: the same text gives the same result, and zod over 1,000 job bodies was a third of a
   * poll's CPU. Replaced by every read, so it holds at most the jobs of the last one.
   */
  private parsed = new Map<string, { text: string; job: SyncJob }>();

  async getJobs(keys: JobKey[]): Promise<BatchJobResult[]> {
    const op = 'read the status of sync jobs';
    const previous = this.parsed;
    const parsed = new Map<string, { text: string; job: SyncJob }>();
    const parseJob = (id: string, body: unknown): SafeParseReturnType<unknown, SyncJob> => {
      const text = JSON.stringify(body ?? null);
      const known = previous.get(id);
      if (known?.text === text) {
        parsed.set(id, known);
        return { success: true, data: known.job };
      }
      const r = SyncJobSchema.safeParse(body);
      if (r.success) parsed.set(id, { text, job: deepFreeze(r.data) });
      return r;
    };
    const unique = new Map<string, BatchGet<SyncJob>>();
    for (const k of keys) {
      const id = `${k.servicePrincipalId.toLowerCase()}/${k.jobId}`;
      if (!unique.has(id)) {
        const path = `/servicePrincipals/${guidSegment(k.servicePrincipalId, 'service principal id', op)}/synchronization/jobs/${jobIdSegment(k.jobId, op)}`;
        unique.set(id, { key: id, path, schema: SyncJobSchema, parse: (body) => parseJob(id, body), operation: `read job ${k.jobId}` });
      }
    }
    const results = await this.getMany([...unique.values()], op);
    this.parsed = parsed;
    // Answer in the caller's order, duplicates included.
    return keys.map((k) => {
      const r = results.get(`${k.servicePrincipalId.toLowerCase()}/${k.jobId}`)!;
      return r.ok ? { ...k, ok: true as const, job: r.value } : { ...k, ok: false as const, error: r.error };
    });
  }

  /**
   * Any GETs of this tenant through `POST /$batch`, 20 per request, each answer validated by its own schema; one
   * result per key. One failed $batch request fails only its own items, not the whole read.
   */
  async getMany<T>(items: BatchGet<T>[], op: string): Promise<Map<string, BatchGetResult<T>>> {
    const chunks: BatchGet<T>[][] = [];
    for (let i = 0; i < items.length; i += BATCH_LIMIT) chunks.push(items.slice(i, i + BATCH_LIMIT));
    const results = new Map<string, BatchGetResult<T>>();
    const limit = pLimit(this.concurrency);
    await Promise.all(
      chunks.map((chunk) =>
        limit(async () => {
          const answered = await this.readChunk(chunk, op).catch((err: unknown): [string, BatchGetResult<T>][] => {
            const error =
              err instanceof GraphError || err instanceof GraphResponseInvalidError
                ? err
                : new GraphError({ operation: op, status: 0, code: 'ClientError', graphMessage: String((err as Error)?.message ?? err) });
            return chunk.map((k) => [k.key, { ok: false, error }]);
          });
          for (const [key, r] of answered) results.set(key, r);
        }),
      ),
    );
    return results;
  }

  private async readChunk<T>(chunk: BatchGet<T>[], op: string): Promise<[string, BatchGetResult<T>][]> {
    const out: [string, BatchGetResult<T>][] = [];
    let pending: { id: string; item: BatchGet<T>; lastError?: GraphError }[] = chunk.map((item, i) => ({ id: String(i + 1), item }));
    const started = this.time.now();
    for (let attempt = 1; pending.length; attempt++) {
      const answer = await this.g.call({
        method: 'POST',
        path: '/$batch',
        body: { requests: pending.map((p) => ({ id: p.id, method: 'GET', url: p.item.path })) },
        operation: op,
        schema: BatchResponseSchema,
        // Only GETs inside: re-sending the whole batch is as safe as re-sending a GET.
        idempotent: true,
      });
      const byId = new Map(answer.data.responses.map((r) => [r.id, r]));
      const throttled: typeof pending = [];
      let waitMs = 0;
      for (const p of pending) {
        const r = byId.get(p.id);
        const itemOp = p.item.operation;
        if (!r) {
          out.push([p.item.key, { ok: false, error: new GraphResponseInvalidError(itemOp, `$batch answered without item ${p.id}`, answer.requestId) }]);
          continue;
        }
        const headers = lowerKeys(r.headers ?? {});
        if (r.status >= 200 && r.status < 300) {
          const parsed = p.item.parse ? p.item.parse(r.body) : p.item.schema.safeParse(r.body);
          out.push([
            p.item.key,
            parsed.success
              ? { ok: true, value: parsed.data }
              : {
                  ok: false,
                  error: new GraphResponseInvalidError(
                    itemOp,
                    parsed.error.issues
                      .slice(0, 3)
                      .map((i) => `${i.path.join('.')}: ${i.message}`)
                      .join('; '),
                    headers['request-id'],
                  ),
                },
          ]);
        } else if (r.status === 429 || r.status === 503) {
          throttled.push(p);
          const after = parseRetryAfter(headers['retry-after'], this.time.now());
          // Without Retry-After: the back-off's full ceiling; the jitter is added once for the whole batch below.
          waitMs = Math.max(waitMs, after ?? backoffDelay(attempt, this.retry, () => 1));
          p.lastError = errorFromResponse(itemOp, r.status, JSON.stringify(r.body ?? null), headers['request-id'], headers['retry-after'], this.time.now());
        } else {
          out.push([
            p.item.key,
            {
              ok: false,
              error: errorFromResponse(itemOp, r.status, JSON.stringify(r.body ?? null), headers['request-id'], headers['retry-after'], this.time.now()),
            },
          ]);
        }
      }
      pending = throttled;
      if (!pending.length) break;
      const delay = Math.min(waitMs, this.retry.maxDelayMs * 4) + Math.floor(this.time.random() * 250);
      if (attempt >= this.retry.maxAttempts || this.time.now() - started + delay > this.retry.maxTotalMs) {
        for (const p of pending) out.push([p.item.key, { ok: false, error: p.lastError! }]);
        break;
      }
      await this.time.sleep(delay);
    }
    return out;
  }
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

/** A parsed job is shared between polls (see JobBatchReader.parsed): frozen, so no reader can change another's copy. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
