import { randomBytes } from 'node:crypto';
import { text } from 'node:stream/consumers';
import type { Storage, StoreItem, StoreItems } from 'botbuilder-core';
import pLimit from 'p-limit';
import type { TokenCredential } from '@azure/identity';
import { ContainerClient, type StoragePipelineOptions } from '@azure/storage-blob';
import { z } from 'zod';
import { ABSENT_ETAG } from './cas';
import { EtagConflictError } from './errors';
import { StoredItemCorruptError } from './fileStorage';
import { decodeKey, encodeKey } from './keyNames';
import type { ItemMover, KeyLister } from './listing';

/**
 * botbuilder `Storage` on an Azure Blob Storage container: one JSON blob per key, the blob's ETag is the
 * item's eTag, and every conditional write is a service-side precondition (no read-then-write race).
 *
 * Why not botbuilder-azure-blobs' BlobsStorage (4.23.3), which we tried first:
 *  - it cannot express create-only: it only ever sends If-Match, so ABSENT_ETAG (→ If-None-Match: *) would
 *    need our own upload path anyway, i.e. half a backend beside it;
 *  - an eTag'd write to a missing key fails with 412 there, while the contract (MemoryStorage/FileStorage)
 *    writes it; fixing that also needs our own conditional upload;
 *  - its key mapping (sanitizeBlobKey) is not reversible: it drops empty '/' segments ("a//b" = "a/b") and
 *    truncates at 1024 characters, so distinct keys can share a blob;
 *  - it declares the body length as the string's UTF-16 length rather than its UTF-8 byte length;
 *  - it lets the SDK retry conditional writes blindly, so a lost response turns a committed write into a
 *    412 "conflict" and updateWithCas applies the change twice.
 * The wrapper would have replaced every method, so this talks to @azure/storage-blob directly.
 *
 * eTag semantics (the contract suite checks them against FileStorage and MemoryStorage too):
 *  - eTag absent, '' or '*'  → unconditional upload;
 *  - eTag ABSENT_ETAG        → If-None-Match: * (create only); an existing blob → EtagConflictError;
 *  - any other eTag          → If-Match; if the blob is missing the write is retried as create-only
 *    (MemoryStorage writes an eTag'd item to a missing key); any refusal → EtagConflictError.
 *
 * Blob names: `items/<encodeKey(key)>` — the same reversible encoding as FileStorage's file names (no '/',
 * never ends in '.', hashed above 200 characters). The body is `{ key, item, writeId }`, so a hashed name
 * still records its key and FileStorage's files and these blobs hold the same `{ key, item }` record.
 *
 * Writes go through a pipeline without SDK retries: when a write's response is lost we read the blob back
 * and decide — landed (our writeId is there), safe to resend (the precondition still holds), or
 * WriteOutcomeUnknownError. Reads and deletes are idempotent and keep the SDK's retry policy.
 */

export interface BlobStorageOptions {
  /** Container name (3–63 lowercase letters, digits, '-'). Created if missing. */
  container: string;
  /** Either a connection string (Azurite: UseDevelopmentStorage-style with BlobEndpoint) ... */
  connectionString?: string;
  /** ... or the account's blob endpoint, e.g. https://<account>.blob.core.windows.net, with a credential. */
  accountUrl?: string;
  credential?: TokenCredential;
  /** Parallel requests within one read/write/delete call. Default 16. */
  concurrency?: number;
  /** Resends of a write whose response was lost (after reading back). Default 3. */
  writeRetries?: number;
  pipeline?: StoragePipelineOptions;
  /** Fault injection for tests: runs after an upload reached the service, before its result is used. */
  afterUpload?: (key: string) => Promise<void> | void;
}

/** A write was sent, its response was lost, and reading back cannot tell whether it was applied. */
export class WriteOutcomeUnknownError extends Error {
  readonly code = 'WriteOutcomeUnknown' as const;
  constructor(
    readonly key: string,
    cause: unknown,
  ) {
    super(`Storage: the write of "${key}" may or may not have been applied (its response was lost)`, { cause });
    this.name = 'WriteOutcomeUnknownError';
  }
}

export const ITEM_PREFIX = 'items/';
export const blobNameFor = (key: string): string => `${ITEM_PREFIX}${encodeKey(key)}`;

const bodySchema = z.object({ key: z.string(), item: z.record(z.unknown()), writeId: z.string().optional() });

type Condition = { kind: 'none' } | { kind: 'ifMatch'; eTag: string } | { kind: 'ifNoneMatch' };

interface Stored {
  item: StoreItem;
  eTag: string;
  writeId?: string;
}

export class AzureBlobStorage implements Storage, KeyLister, ItemMover {
  private readonly concurrency: number;
  private readonly writeRetries: number;

  private constructor(
    /** Reads, deletes, container management: SDK retries on. */
    readonly container: ContainerClient,
    /** Uploads: SDK retries off (see the class comment). */
    private readonly writer: ContainerClient,
    private readonly opts: BlobStorageOptions,
  ) {
    this.concurrency = opts.concurrency ?? 16;
    this.writeRetries = opts.writeRetries ?? 3;
  }

  static async open(opts: BlobStorageOptions): Promise<AzureBlobStorage> {
    const { container, writer } = containerClients(opts);
    await container.createIfNotExists();
    return new AzureBlobStorage(container, writer, opts);
  }

  async read(keys: string[]): Promise<StoreItems> {
    if (!keys) throw new ReferenceError('Keys are required when reading.');
    const out: StoreItems = {};
    await eachLimited(keys, this.concurrency, async (key) => {
      const stored = await this.readOne(key);
      if (stored) out[key] = { ...stored.item, eTag: stored.eTag };
    });
    return out;
  }

  /** Each key is written independently (as in MemoryStorage); the first failure is thrown after all ran. */
  async write(changes: StoreItems): Promise<void> {
    if (!changes) throw new ReferenceError('Changes are required when writing.');
    const errors: unknown[] = [];
    await eachLimited(Object.keys(changes), this.concurrency, (key) => this.writeOne(key, changes[key]).catch((err: unknown) => void errors.push(err)));
    if (errors.length > 0) throw errors[0];
  }

  async delete(keys: string[]): Promise<void> {
    if (!keys) throw new ReferenceError('Keys are required when deleting.');
    await eachLimited(keys, this.concurrency, async (key) => {
      await this.container.deleteBlob(blobNameFor(key)).catch((err: unknown) => {
        if (statusOf(err) !== 404) throw err;
      });
    });
  }

  /** Keys under `prefix`: one prefix listing of blob names (long keys, stored under a hash, are not listed). */
  async listKeys(prefix: string): Promise<string[]> {
    const out: string[] = [];
    for await (const blob of this.container.listBlobsFlat({ prefix: ITEM_PREFIX + (prefix ? encodeKey(prefix) : '') })) {
      const key = decodeKey(blob.name.slice(ITEM_PREFIX.length));
      if (key !== undefined && key.startsWith(prefix)) out.push(key);
    }
    return out;
  }

  /** Copies the blob's bytes as they are to `toKey`'s blob, then deletes the original. */
  async moveAside(key: string, toKey: string): Promise<void> {
    let body: Buffer;
    try {
      body = await this.container.getBlobClient(blobNameFor(key)).downloadToBuffer();
    } catch (err) {
      if (statusOf(err) === 404) return;
      throw err;
    }
    await this.writer.getBlockBlobClient(blobNameFor(toKey)).upload(body, body.length);
    await this.delete([key]);
  }

  private async readOne(key: string): Promise<Stored | undefined> {
    const name = blobNameFor(key);
    let body: string;
    let eTag: string | undefined;
    try {
      // One GET: body and ETag come from the same response (downloadToBuffer would be several requests).
      const res = await this.container.getBlobClient(name).download();
      eTag = res.etag;
      body = res.readableStreamBody ? await text(res.readableStreamBody) : '';
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
    let parsed;
    try {
      parsed = bodySchema.safeParse(JSON.parse(body));
    } catch {
      throw new StoredItemCorruptError(key, name, 'not JSON');
    }
    if (!parsed.success) throw new StoredItemCorruptError(key, name, 'not a { key, item } record');
    if (parsed.data.key !== key) throw new StoredItemCorruptError(key, name, `it holds key "${parsed.data.key}"`);
    if (!eTag) throw new StoredItemCorruptError(key, name, 'the service returned no ETag');
    return { item: parsed.data.item, eTag, writeId: parsed.data.writeId };
  }

  private async writeOne(key: string, item: unknown): Promise<void> {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new TypeError(`Storage: the value for "${key}" must be an object`);
    }
    const { eTag, ...rest } = item as StoreItem;
    const writeId = randomBytes(12).toString('base64url');
    const body = Buffer.from(JSON.stringify({ key, item: rest, writeId }), 'utf8');
    let cond: Condition =
      typeof eTag !== 'string' || eTag === '' || eTag === '*' ? { kind: 'none' } : eTag === ABSENT_ETAG ? { kind: 'ifNoneMatch' } : { kind: 'ifMatch', eTag };

    for (let resend = 0; ; resend++) {
      let outcome: 'ok' | 'conflict';
      try {
        outcome = await this.upload(key, body, cond);
      } catch (err) {
        if (!isTransient(err)) throw err;
        // The request may have been applied: read first, never resend blindly.
        const now = await this.readOne(key);
        if (now?.writeId === writeId) return;
        const stillValid = cond.kind === 'none' || (cond.kind === 'ifNoneMatch' && !now) || (cond.kind === 'ifMatch' && now?.eTag === cond.eTag);
        if (!stillValid || resend >= this.writeRetries) throw new WriteOutcomeUnknownError(key, err);
        continue;
      }
      if (outcome === 'ok') return;
      if (resend > 0) {
        // A resend refused: maybe because an earlier attempt of ours landed after we read back. Not a conflict then.
        const now = await this.readOne(key);
        if (now?.writeId === writeId) return;
      }
      // If-Match failed: either someone else wrote, or the blob is missing — then MemoryStorage semantics
      // say write it, which is exactly a create-only attempt.
      if (cond.kind === 'ifMatch') {
        cond = { kind: 'ifNoneMatch' };
        resend--;
        continue;
      }
      throw new EtagConflictError(key);
    }
  }

  private async upload(key: string, body: Buffer, cond: Condition): Promise<'ok' | 'conflict'> {
    const conditions = cond.kind === 'ifMatch' ? { ifMatch: cond.eTag } : cond.kind === 'ifNoneMatch' ? { ifNoneMatch: '*' } : {};
    try {
      await this.writer.getBlockBlobClient(blobNameFor(key)).upload(body, body.length, {
        conditions,
        blobHTTPHeaders: { blobContentType: 'application/json; charset=utf-8' },
      });
    } catch (err) {
      const status = statusOf(err);
      // 412 ConditionNotMet (If-Match), 409 BlobAlreadyExists (If-None-Match: *).
      if (status === 412 || (status === 409 && codeOf(err) === 'BlobAlreadyExists')) return 'conflict';
      throw err;
    }
    await this.opts.afterUpload?.(key);
    return 'ok';
  }
}

/** The two clients for one container: default retries, and none for writes. */
export function containerClients(opts: BlobStorageOptions): { container: ContainerClient; writer: ContainerClient } {
  const base = opts.pipeline ?? {};
  const noRetry: StoragePipelineOptions = { ...base, retryOptions: { ...base.retryOptions, maxTries: 1 } };
  const make = (p: StoragePipelineOptions): ContainerClient => {
    if (opts.connectionString) return new ContainerClient(opts.connectionString, opts.container, p);
    if (opts.accountUrl && opts.credential) {
      return new ContainerClient(`${opts.accountUrl.replace(/\/+$/, '')}/${opts.container}`, opts.credential, p);
    }
    throw new TypeError('Blob storage needs a connectionString, or an accountUrl and a credential');
  };
  return { container: make(base), writer: make(noRetry) };
}

export function statusOf(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

export function codeOf(err: unknown): string | undefined {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

/** No HTTP status (connection reset, timeout) or a server-side failure: the request may have been applied. */
function isTransient(err: unknown): boolean {
  const s = statusOf(err);
  if (s === undefined) return !(err instanceof TypeError) && !(err instanceof RangeError);
  return s === 408 || s >= 500;
}

async function eachLimited<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  const limit = pLimit(concurrency);
  await Promise.all(items.map((item) => limit(() => fn(item))));
}
