import pLimit from 'p-limit';
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

export type BatchJobResult =
  | (JobKey & { ok: true; job: SyncJob })
  | (JobKey & { ok: false; error: GraphError | GraphResponseInvalidError });

/** Graph's documented maximum per $batch. */
export const BATCH_LIMIT = 20;

/**
 * Reads many jobs' status through `POST /$batch`, 20 per request: the monitor polls 1,000 jobs in 50.
 * Inner requests are throttled one by one, so only the 429/503 items are sent again, after their Retry-After.
 */
export class JobBatchReader {
  /**
   * Each job's body as last read and what it parsed to. A job whose body did not change since the last poll (most of
   * them) is not validated again: the same text gives the same result, and zod over 1,000 job bodies was a third of a
   * poll's CPU. Replaced by every read, so it holds at most the jobs of the last one.
   */
  private parsed = new Map<string, { text: string; job: SyncJob }>();

  constructor(
    private readonly g: TenantGraph,
    private readonly retry: RetrySettings,
    private readonly time: Clock,
    private readonly concurrency = 4,
  ) {}

  async getJobs(keys: JobKey[]): Promise<BatchJobResult[]> {
    const op = 'read the status of sync jobs';
    const unique = new Map<string, JobKey & { path: string }>();
    for (const k of keys) {
      const id = `${k.servicePrincipalId.toLowerCase()}/${k.jobId}`;
      if (!unique.has(id)) {
        unique.set(id, {
          ...k,
          path: `/servicePrincipals/${guidSegment(k.servicePrincipalId, 'service principal id', op)}/synchronization/jobs/${jobIdSegment(k.jobId, op)}`,
        });
      }
    }
    const items = [...unique.values()];
    const chunks: (typeof items)[] = [];
    for (let i = 0; i < items.length; i += BATCH_LIMIT) chunks.push(items.slice(i, i + BATCH_LIMIT));

    const results = new Map<string, BatchJobResult>();
    const previous = this.parsed;
    const parsed = new Map<string, { text: string; job: SyncJob }>();
    const parseJob = (id: string, body: unknown) => {
      const text = JSON.stringify(body ?? null);
      const known = previous.get(id);
      if (known?.text === text) {
        parsed.set(id, known);
        return { success: true as const, data: known.job };
      }
      const r = SyncJobSchema.safeParse(body);
      if (r.success) parsed.set(id, { text, job: deepFreeze(r.data) });
      return r;
    };
    const limit = pLimit(this.concurrency);
    await Promise.all(
      chunks.map((chunk) =>
        limit(async () => {
          // One failed $batch request fails only its own jobs, not the whole read.
          const answered = await this.readChunk(chunk, op, parseJob).catch((err: unknown): BatchJobResult[] => {
            const error =
              err instanceof GraphError || err instanceof GraphResponseInvalidError
                ? err
                : new GraphError({ operation: op, status: 0, code: 'ClientError', graphMessage: String((err as Error)?.message ?? err) });
            return chunk.map((k) => ({ servicePrincipalId: k.servicePrincipalId, jobId: k.jobId, ok: false as const, error }));
          });
          for (const r of answered) results.set(`${r.servicePrincipalId.toLowerCase()}/${r.jobId}`, r);
        }),
      ),
    );
    this.parsed = parsed;
    // Answer in the caller's order, duplicates included.
    return keys.map((k) => results.get(`${k.servicePrincipalId.toLowerCase()}/${k.jobId}`)!);
  }

  private async readChunk(
    chunk: (JobKey & { path: string })[],
    op: string,
    parseJob: (id: string, body: unknown) => ReturnType<typeof SyncJobSchema.safeParse>,
  ): Promise<BatchJobResult[]> {
    const out: BatchJobResult[] = [];
    let pending: { id: string; item: JobKey & { path: string }; lastError?: GraphError }[] = chunk.map((item, i) => ({ id: String(i + 1), item }));
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
        const key = { servicePrincipalId: p.item.servicePrincipalId, jobId: p.item.jobId };
        const itemOp = `read job ${p.item.jobId}`;
        if (!r) {
          out.push({ ...key, ok: false, error: new GraphResponseInvalidError(itemOp, `$batch answered without item ${p.id}`, answer.requestId) });
          continue;
        }
        const headers = lowerKeys(r.headers ?? {});
        if (r.status >= 200 && r.status < 300) {
          const parsed = parseJob(`${key.servicePrincipalId.toLowerCase()}/${key.jobId}`, r.body);
          out.push(
            parsed.success
              ? { ...key, ok: true, job: parsed.data }
              : { ...key, ok: false, error: new GraphResponseInvalidError(itemOp, parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), headers['request-id']) },
          );
        } else if (r.status === 429 || r.status === 503) {
          throttled.push(p);
          const after = parseRetryAfter(headers['retry-after'], this.time.now());
          // Without Retry-After: the back-off's full ceiling; the jitter is added once for the whole batch below.
          waitMs = Math.max(waitMs, after ?? backoffDelay(attempt, this.retry, () => 1));
          p.lastError = errorFromResponse(itemOp, r.status, JSON.stringify(r.body ?? null), headers['request-id'], headers['retry-after'], this.time.now());
        } else {
          out.push({ ...key, ok: false, error: errorFromResponse(itemOp, r.status, JSON.stringify(r.body ?? null), headers['request-id'], headers['retry-after'], this.time.now()) });
        }
      }
      pending = throttled;
      if (!pending.length) break;
      const delay = Math.min(waitMs, this.retry.maxDelayMs * 4) + Math.floor(this.time.random() * 250);
      if (attempt >= this.retry.maxAttempts || this.time.now() - started + delay > this.retry.maxTotalMs) {
        for (const p of pending) out.push({ servicePrincipalId: p.item.servicePrincipalId, jobId: p.item.jobId, ok: false, error: p.lastError! });
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
