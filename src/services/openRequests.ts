import type { Clock } from '../domain/clock';
import { isTerminal, type ScopeRequest } from '../domain/scopeRequests';
import type { Logger } from '../logger';
import { BatchedWriter, canListKeys, readItem, updateWithCasDetailed, type Storage } from '../store';
import {
  ACTIVE_PREFIX,
  OPEN_INDEX_KEY,
  OpenIndexSchema,
  activeKey,
  duplicateOf,
  openEntryOf,
  withEntry,
  type OpenEntry,
  type OpenIndex,
  type StoredScopeRequest,
} from './scopeRequestRecords';

/** An index reservation whose request record has not appeared within this long belongs to a create that died. */
export const RESERVATION_GRACE_MS = 5 * 60_000;

/**
 * Which requests are open: the per-request markers (`approvals/active/<id>`) and the index of open requests
 * (`approvals/open`), which reserves principals against duplicate requests. The index is a cache kept up to date off
 * the decision path and rebuilt from the markers when it is lost or corrupt. Every write is a CAS.
 */
export class OpenRequests {
  constructor(
    private readonly deps: {
      storage: Storage;
      clock: Clock;
      logger?: Logger;
      /** A request record, or undefined when it is missing or unreadable. */
      readSafely: (id: string) => Promise<StoredScopeRequest | undefined>;
    },
  ) {}

  /**
   * Ids of requests that may still be open: the per-request markers where the store can list them, plus the index
   * (which also covers requests stored before markers existed, and stores that cannot list).
   */
  async openIds(): Promise<string[]> {
    const ids = new Set<string>();
    const { storage } = this.deps;
    if (canListKeys(storage)) for (const k of await storage.listKeys(ACTIVE_PREFIX)) ids.add(k.slice(ACTIVE_PREFIX.length));
    const index = await this.readIndex();
    if (index) for (const e of index.entries) ids.add(e.id);
    return [...ids].sort();
  }

  /** The index, or undefined (logged) when it is unreadable; an absent index is empty. */
  async readIndex(): Promise<OpenIndex | undefined> {
    try {
      const raw = await readItem(this.deps.storage, OPEN_INDEX_KEY);
      if (!raw) return { schemaVersion: 1, entries: [] };
      const parsed = OpenIndexSchema.safeParse(raw);
      if (parsed.success) return parsed.data;
      this.deps.logger?.error({ key: OPEN_INDEX_KEY }, 'the open-requests index failed validation; it will be rebuilt');
    } catch (err) {
      this.deps.logger?.error({ err, key: OPEN_INDEX_KEY }, 'the open-requests index is unreadable; it will be rebuilt');
    }
    return undefined;
  }

  /**
   * Reserves the request's principals in the index (two identical requests racing cannot both get one). An entry whose
   * request has meanwhile ended (its index update failed) does not block; an unreadable index is rebuilt first.
   */
  async reserve(request: ScopeRequest): Promise<string | undefined> {
    const principalIds = request.principals.map((p) => p.id);
    let index = await this.readIndex();
    if (!index) {
      await this.rebuildIndex();
      index = (await this.readIndex()) ?? { schemaVersion: 1, entries: [] };
    }
    const stale = new Set<string>();
    for (
      let e = duplicateOf(index, request.configuration, request.op, principalIds);
      e;
      e = duplicateOf(without(index, stale), request.configuration, request.op, principalIds)
    ) {
      // Our own reservation, left by an attempt with this (caller-chosen) id that died before its record: not a duplicate.
      if (e.id === request.id) {
        stale.add(e.id);
        continue;
      }
      const rec = await this.deps.readSafely(e.id);
      // A reservation without its record yet is another create in flight, unless it is old (that create died).
      const inFlight = !rec && this.deps.clock.now() - Date.parse(e.createdAt) <= RESERVATION_GRACE_MS;
      if (inFlight || (rec && !isTerminal(rec.request.status))) return e.id;
      stale.add(e.id);
    }
    let duplicate: string | undefined;
    await updateWithCasDetailed<OpenIndex>(this.deps.storage, OPEN_INDEX_KEY, (cur) => {
      duplicate = undefined;
      const current = without(cur ? OpenIndexSchema.parse(cur) : undefined, stale);
      const dup = duplicateOf(current, request.configuration, request.op, principalIds);
      if (dup) {
        duplicate = dup.id;
        return 'abort';
      }
      return withEntry(current, request);
    });
    return duplicate;
  }

  /**
   * Brings the request's entry up to date. Updates that arrive while one index write runs go into the next write
   * together, in the order they came: every decision and every outcome changes this one key, and 200 approvals at once
   * each CASing it alone made a convoy (each commit cost the others a failed read–parse–write of the whole index).
   */
  updateIndex(request: ScopeRequest): Promise<void> {
    return this.writer.push(request);
  }

  private readonly writer = new BatchedWriter<ScopeRequest>(async (requests) => {
    await updateWithCasDetailed<OpenIndex>(this.deps.storage, OPEN_INDEX_KEY, (cur) => withEntries(cur ? OpenIndexSchema.parse(cur) : undefined, requests));
  });

  /** Brings the index up to date off the decision path; a failure is logged and left for reconcile to repair. */
  async updateIndexLater(request: ScopeRequest): Promise<void> {
    await this.updateIndex(request).catch((err) => this.deps.logger?.warn({ err, id: request.id }, 'open-requests index not updated; reconcile repairs it'));
  }

  /**
   * A request that has ended leaves the index and loses its marker (both best effort: reconcile finishes the job). The
   * marker stays while an audit event of the request could not be written, so reconcile writes it later.
   */
  async settle(request: ScopeRequest, audited = true): Promise<void> {
    await this.updateIndexLater(request);
    if (isTerminal(request.status) && audited) {
      await this.deps.storage
        .delete([activeKey(request.id)])
        .catch((err) => this.deps.logger?.warn({ err, id: request.id }, 'request marker not removed; reconcile removes it'));
    }
  }

  /**
   * Makes the index agree with the records reconcile just read: `open` requests get their current entry, `ended` ids
   * (terminal, or reservations whose record never appeared) lose theirs; entries reconcile did not see are kept.
   */
  async repairIndex(open: ScopeRequest[], ended: Set<string>): Promise<void> {
    const wanted = new Map(open.map((r) => [r.id, openEntryOf(r)]));
    const index = await this.readIndex();
    if (!index) {
      await this.rebuildIndex().catch((err) => this.deps.logger?.error({ err }, 'open-requests index rebuild failed'));
      return;
    }
    const differs = index.entries.some((e) => ended.has(e.id) || (wanted.has(e.id) && JSON.stringify(e) !== JSON.stringify(wanted.get(e.id))));
    const missing = [...wanted.keys()].some((id) => !index.entries.some((e) => e.id === id));
    if (!differs && !missing) return;
    await updateWithCasDetailed<OpenIndex>(this.deps.storage, OPEN_INDEX_KEY, (cur) => {
      const kept = (cur ? OpenIndexSchema.parse(cur) : { entries: [] }).entries.filter((e) => !ended.has(e.id) && !wanted.has(e.id));
      return { schemaVersion: 1, entries: [...kept, ...wanted.values()] };
    }).catch((err) => this.deps.logger?.warn({ err }, 'open-requests index repair failed; the next sweep tries again'));
  }

  /** Replaces an unreadable index with one built from the request markers and records (logged loudly). */
  async rebuildIndex(): Promise<void> {
    const { storage } = this.deps;
    if (!canListKeys(storage)) throw new Error('the open-requests index is unreadable and this store cannot list requests to rebuild it');
    const entries: OpenEntry[] = [];
    for (const k of await storage.listKeys(ACTIVE_PREFIX)) {
      const rec = await this.deps.readSafely(k.slice(ACTIVE_PREFIX.length));
      if (rec && !isTerminal(rec.request.status)) entries.push(openEntryOf(rec.request));
    }
    // An unconditional write: the unreadable index has no eTag we could match.
    await storage.write({ [OPEN_INDEX_KEY]: { schemaVersion: 1, entries, eTag: '*' } });
    this.deps.logger?.error({ key: OPEN_INDEX_KEY, entries: entries.length }, 'rebuilt the unreadable open-requests index from the request records');
  }
}

function without(index: OpenIndex | undefined, ids: Set<string>): OpenIndex | undefined {
  return index && ids.size ? { schemaVersion: 1, entries: index.entries.filter((e) => !ids.has(e.id)) } : index;
}

/** The index with each request's latest state applied (the last update of a request in `requests` wins). */
function withEntries(index: OpenIndex | undefined, requests: ScopeRequest[]): OpenIndex {
  if (requests.length === 1) return withEntry(index, requests[0]);
  const latest = new Map(requests.map((r) => [r.id, r]));
  const rest = (index?.entries ?? []).filter((e) => !latest.has(e.id));
  return { schemaVersion: 1, entries: [...rest, ...[...latest.values()].filter((r) => !isTerminal(r.status)).map(openEntryOf)] };
}
