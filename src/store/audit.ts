import { randomBytes } from 'node:crypto';
import type { Storage } from 'botbuilder-core';
import { z } from 'zod';
import {
  auditRecordSchema,
  AUDIT_SCHEMA_VERSION,
  type AuditFilter,
  type AuditInput,
  type AuditReader,
  type AuditRecord,
  type AuditWriter,
} from '../domain/audit';
import type { Clock } from '../domain/clock';
import { systemClock } from '../domain/clock';
import { BatchedWriter } from './batchedWriter';
import { createIfAbsent, updateWithCas, updateWithCasDetailed } from './cas';
import { readItem, withoutEtag } from './items';
import { canListKeys } from './listing';

/**
 * Append-only audit log over any botbuilder Storage.
 *
 * Events: each is its own key `audit/<ISO at>/<id>`, created with create-only semantics (createIfAbsent),
 * so an event is never rewritten; appending an id that exists fails with AuditRewriteError.
 *
 * Index (Storage cannot list keys): a sequence of fixed-size chunks `audit-index/chunk/<n>` and a head
 * `audit-index/head` = { last }. An append adds { id, at, key, action, configuration } to chunk `last` by
 * CAS; when that chunk is full, it advances the head from `last` to `last + 1` by CAS (only if still
 * `last`) and retries. Every change is a CAS, so concurrent appenders in any number of processes never lose
 * an entry, and chunks are only appended to. Readers walk chunks from the head backwards and stop once a
 * whole chunk is older than what they need (allowing `skewMs` of clock skew between writers, since
 * chunk order is append order, not strictly `at` order). Cost: O(N / chunkSize + 1) chunk reads.
 *
 * Self-healing: the event is written before it is indexed, so a crash in between, or an index chunk that cannot be
 * read or written, leaves a stored event the index does not name (never an index entry pointing at nothing). The
 * events themselves are the truth: `repair()` lists the `audit/` keys (where the store can list) and indexes every
 * event no readable chunk names. The composition root runs it at start-up (a crash between write and index); it
 * runs again before the next listing after any index write failed or a new unreadable chunk was found; an unreadable chunk is skipped by readers and writers (the head moves past it) and reported through
 * `onIndexProblem`, so one bad chunk hides nothing once repaired, and appends never stop.
 */

export { AUDIT_SCHEMA_VERSION, auditRecordSchema, type AuditActor, type AuditFilter, type AuditInput, type AuditRecord } from '../domain/audit';

/**
 * Upgrades a stored record of `schemaVersion: v` (raw JSON) to version v + 1. Version 1 is the first, so
 * the built-in table is empty; when the shape changes, add `1: (r) => ...` here and bump the version.
 * Records without schemaVersion are treated as version 0.
 */
export type AuditMigrations = Record<number, (raw: Record<string, unknown>) => Record<string, unknown>>;
export const auditMigrations: AuditMigrations = {};

export class AuditRewriteError extends Error {
  readonly code = 'AuditRewrite' as const;
  constructor(readonly id: string) {
    super(`Audit: event ${id} already exists; audit events are never rewritten`);
    this.name = 'AuditRewriteError';
  }
}

const indexEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  key: z.string(),
  action: z.string(),
  configuration: z.string().optional(),
});
type IndexEntry = z.infer<typeof indexEntrySchema>;
const chunkSchema = z.object({ schemaVersion: z.literal(1), entries: z.array(indexEntrySchema) });
type Chunk = z.infer<typeof chunkSchema>;
const headSchema = z.object({ schemaVersion: z.literal(1), last: z.number().int().nonnegative() });
type Head = z.infer<typeof headSchema>;

export const AUDIT_INDEX_HEAD_KEY = 'audit-index/head';
export const auditChunkKey = (n: number): string => `audit-index/chunk/${String(n).padStart(9, '0')}`;

export interface AuditLogOptions {
  clock?: Clock;
  newId?: () => string;
  /** Index entries per chunk. Default 200 (a chunk stays a few tens of KB). */
  chunkSize?: number;
  /** Clock skew tolerated between writers when deciding a chunk is old enough to stop. Default 5 min. */
  skewMs?: number;
  migrations?: AuditMigrations;
  /** A stored event that fails validation is skipped in listings and reported here. */
  onInvalid?: (key: string, reason: string) => void;
  /** CAS attempts for index updates. Default 100: appends are rare but may come in bursts. */
  maxAttempts?: number;
  /**
   * Loud reports: an event that could not be stored at all (`stored: false`, the caller also gets the error), an
   * event stored but not indexed yet (repair indexes it), an unreadable chunk skipped, events re-indexed.
   */
  onIndexProblem?: (problem: {
    kind: 'append-failed' | 'index-failed' | 'chunk-unreadable' | 'reindexed';
    key?: string;
    count?: number;
    err?: unknown;
  }) => void;
}

export class AuditLog implements AuditReader, AuditWriter {
  private readonly clock: Clock;
  private readonly newId: () => string;
  private readonly chunkSize: number;
  private readonly skewMs: number;
  private readonly migrations: AuditMigrations;
  private readonly maxAttempts: number;
  /** Set when an index write failed or a new unreadable chunk was found: the next listing repairs first. */
  private needsRepair = false;
  /** Unreadable chunks already reported; finding one again does not trigger another repair. */
  private readonly badChunks = new Set<number>();
  private repairing?: Promise<number>;
  /** Index entries waiting for the next chunk write (see index()). */
  private readonly indexWriter = new BatchedWriter<IndexEntry>((entries) => this.indexAll(entries));

  constructor(
    private readonly storage: Storage,
    private readonly options: AuditLogOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.newId = options.newId ?? (() => randomBytes(9).toString('base64url'));
    this.chunkSize = options.chunkSize ?? 200;
    this.skewMs = options.skewMs ?? 5 * 60_000;
    this.migrations = options.migrations ?? auditMigrations;
    this.maxAttempts = options.maxAttempts ?? 100;
  }

  /** Records an event now; returns the stored record. */
  async append(input: AuditInput): Promise<AuditRecord> {
    const record = auditRecordSchema.parse({
      ...input,
      schemaVersion: AUDIT_SCHEMA_VERSION,
      id: this.newId(),
      at: new Date(this.clock.now()).toISOString(),
    });
    await this.appendRecord(record);
    return record;
  }

  /**
   * Stores a complete record (id and time chosen by the caller, e.g. fixed so a retry after a crash finds it) as it is:
   * a stored record's action is any string, as older records are never dropped for their name; new events' actions
   * are typed by `append` and by the callers' AuditAction values. Throws AuditRewriteError if the id exists.
   */
  async appendRecord(record: AuditRecord): Promise<void> {
    const valid = auditRecordSchema.parse(record);
    const key = eventKey(valid);
    let created: boolean;
    try {
      created = await createIfAbsent(this.storage, key, valid);
    } catch (err) {
      this.options.onIndexProblem?.({ kind: 'append-failed', key, err });
      throw err;
    }
    const entry = { id: valid.id, at: valid.at, key, action: valid.action, configuration: valid.configuration };
    // A writer that crashed (or failed) after storing this same event but before indexing it: index the stored one.
    if (!created) {
      await this.index(entry).catch(() => undefined);
      throw new AuditRewriteError(valid.id);
    }
    try {
      await this.index(entry);
    } catch (err) {
      // The event is stored; only the index missed it. Repair indexes it before the next listing.
      this.needsRepair = true;
      this.options.onIndexProblem?.({ kind: 'index-failed', key, err });
    }
  }

  /**
   * Indexes every stored event that no readable chunk names. Returns how many it added. A no-op (0) on a store that
   * cannot list keys.
   */
  async repair(): Promise<number> {
    this.repairing ??= this.reindex().finally(() => (this.repairing = undefined));
    return this.repairing;
  }

  private async reindex(): Promise<number> {
    this.needsRepair = false;
    if (!canListKeys(this.storage)) return 0;
    const keys = await this.storage.listKeys(EVENT_PREFIX);
    const named = new Set<string>();
    for await (const chunk of this.chunksNewestFirst()) for (const e of chunk.entries) named.add(e.key);
    let added = 0;
    for (const key of keys.sort()) {
      if (named.has(key)) continue;
      const raw = await readItem(this.storage, key).catch(() => undefined);
      const rec = raw && this.upgrade(key, raw);
      if (!rec) continue;
      try {
        await this.index({ id: rec.id, at: rec.at, key, action: rec.action, configuration: rec.configuration });
        added++;
      } catch (err) {
        this.needsRepair = true;
        this.options.onIndexProblem?.({ kind: 'index-failed', key, err });
      }
    }
    if (added) this.options.onIndexProblem?.({ kind: 'reindexed', count: added });
    return added;
  }

  private async repairIfNeeded(): Promise<void> {
    if (this.needsRepair) await this.repair();
  }

  /** The newest `n` events (matching `filter`), newest first. */
  async last(n: number, filter: AuditFilter = {}): Promise<AuditRecord[]> {
    if (n <= 0) return [];
    await this.repairIfNeeded();
    const picked: IndexEntry[] = [];
    for await (const chunk of this.chunksNewestFirst()) {
      if (picked.length >= n && maxAt(chunk) < nthNewest(picked, n) - this.skewMs) break;
      picked.push(...chunk.entries.filter((e) => matches(e, filter)));
    }
    return this.load(distinct(picked).sort(newestFirst).slice(0, n));
  }

  /** Events with from <= at < to (matching `filter`), oldest first. */
  async between(from: Date, to: Date, filter: AuditFilter = {}): Promise<AuditRecord[]> {
    await this.repairIfNeeded();
    const lo = from.getTime();
    const hi = to.getTime();
    const picked: IndexEntry[] = [];
    for await (const chunk of this.chunksNewestFirst()) {
      if (maxAt(chunk) < lo - this.skewMs) break;
      picked.push(
        ...chunk.entries.filter((e) => {
          const t = Date.parse(e.at);
          return t >= lo && t < hi && matches(e, filter);
        }),
      );
    }
    return this.load(distinct(picked).sort(newestFirst).reverse());
  }

  /**
   * Indexes one entry; resolves once a committed chunk names it. Appends that arrive while a chunk write runs are
   * indexed together by the next write (one CAS for many entries): concurrent appenders each CASing the same newest
   * chunk formed a convoy — every commit cost the others a failed read–parse–write round.
   */
  private index(entry: IndexEntry): Promise<void> {
    return this.indexWriter.push(entry);
  }

  private async indexAll(entries: IndexEntry[]): Promise<void> {
    const opts = { maxAttempts: this.maxAttempts };
    let left = entries;
    while (left.length) {
      const last = (await this.readHead()).last;
      let named = new Set<string>();
      let full = false;
      try {
        await updateWithCasDetailed<Chunk>(
          this.storage,
          auditChunkKey(last),
          (cur) => {
            const current = cur ? chunkSchema.parse(cur).entries : [];
            const ids = new Set(current.map((e) => e.id));
            const fresh = left.filter((e) => !ids.has(e.id));
            const room = Math.max(0, this.chunkSize - current.length);
            const added = fresh.slice(0, room);
            named = new Set([...left.filter((e) => ids.has(e.id)), ...added].map((e) => e.id));
            full = fresh.length > room;
            return added.length ? { schemaVersion: 1, entries: [...current, ...added] } : 'abort';
          },
          opts,
        );
      } catch (err) {
        if (!isUnreadable(err)) throw err;
        // The newest chunk is unreadable: leave it as it is (for whoever investigates) and append past it. The
        // entries it held come back through repair().
        this.needsRepair = true;
        this.options.onIndexProblem?.({ kind: 'chunk-unreadable', key: auditChunkKey(last), err });
        await updateWithCas<Head>(
          this.storage,
          AUDIT_INDEX_HEAD_KEY,
          (cur) => ((cur?.last ?? 0) === last ? { schemaVersion: 1, last: last + 1 } : 'abort'),
          opts,
        );
        continue;
      }
      left = left.filter((e) => !named.has(e.id));
      if (!left.length || !full) continue;
      await updateWithCas<Head>(
        this.storage,
        AUDIT_INDEX_HEAD_KEY,
        (cur) => ((cur?.last ?? 0) === last ? { schemaVersion: 1, last: last + 1 } : 'abort'),
        opts,
      );
    }
  }

  private async readHead(): Promise<Head> {
    const raw = await readItem(this.storage, AUDIT_INDEX_HEAD_KEY);
    if (!raw) return { schemaVersion: 1, last: 0 };
    return headSchema.parse(raw);
  }

  /** Readable chunks, newest first; an unreadable one is reported and skipped (repair re-indexes what it named). */
  private async *chunksNewestFirst(): AsyncGenerator<Chunk> {
    for (let n = (await this.readHead()).last; n >= 0; n--) {
      let chunk: Chunk | undefined;
      try {
        const raw = await readItem(this.storage, auditChunkKey(n));
        chunk = raw ? chunkSchema.parse(raw) : undefined;
      } catch (err) {
        if (!isUnreadable(err)) throw err;
        if (!this.badChunks.has(n)) {
          this.badChunks.add(n);
          this.needsRepair = true;
          this.options.onIndexProblem?.({ kind: 'chunk-unreadable', key: auditChunkKey(n), err });
        }
      }
      if (chunk) yield chunk;
    }
  }

  /** Reads the events for index entries, in the entries' order, validating (and upgrading) each. */
  private async load(entries: IndexEntry[]): Promise<AuditRecord[]> {
    const out: AuditRecord[] = [];
    for (let i = 0; i < entries.length; i += 50) {
      const batch = entries.slice(i, i + 50);
      const items = await this.storage.read(batch.map((e) => e.key));
      for (const e of batch) {
        const raw = items[e.key] as Record<string, unknown> | undefined;
        if (!raw) {
          this.options.onInvalid?.(e.key, 'indexed but not stored');
          continue;
        }
        const rec = this.upgrade(e.key, withoutEtag(raw));
        if (rec) out.push(rec);
      }
    }
    return out;
  }

  private upgrade(key: string, raw: Record<string, unknown>): AuditRecord | undefined {
    let cur = raw;
    let version = typeof cur.schemaVersion === 'number' ? cur.schemaVersion : 0;
    while (version < AUDIT_SCHEMA_VERSION) {
      const step = this.migrations[version];
      if (!step) {
        this.options.onInvalid?.(key, `no migration from schemaVersion ${version}`);
        return undefined;
      }
      cur = step(cur);
      version += 1;
      cur = { ...cur, schemaVersion: version };
    }
    const parsed = auditRecordSchema.safeParse(cur);
    if (!parsed.success) {
      this.options.onInvalid?.(key, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      return undefined;
    }
    return parsed.data;
  }
}

const EVENT_PREFIX = 'audit/';

export function eventKey(record: Pick<AuditRecord, 'at' | 'id'>): string {
  return `${EVENT_PREFIX}${record.at}/${record.id}`;
}

/** A stored item that cannot be parsed (a corrupt file or blob) or does not have the shape of a chunk. */
function isUnreadable(err: unknown): boolean {
  return err instanceof z.ZodError || (err as { code?: unknown })?.code === 'StoredItemCorrupt';
}

/** An event indexed twice (re-indexed by repair, then its old chunk restored) is listed once. */
function distinct(entries: IndexEntry[]): IndexEntry[] {
  const seen = new Set<string>();
  return entries.filter((e) => !seen.has(e.key) && !!seen.add(e.key));
}

function matches(e: IndexEntry, f: AuditFilter): boolean {
  return (f.configuration === undefined || e.configuration === f.configuration) && (f.action === undefined || e.action === f.action);
}

function newestFirst(a: IndexEntry, b: IndexEntry): number {
  return Date.parse(b.at) - Date.parse(a.at) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

function maxAt(chunk: Chunk): number {
  return chunk.entries.reduce((m, e) => Math.max(m, Date.parse(e.at)), -Infinity);
}

function nthNewest(entries: IndexEntry[], n: number): number {
  return Date.parse([...entries].sort(newestFirst)[n - 1].at);
}
