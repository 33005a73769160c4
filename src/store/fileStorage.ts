import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Storage, StoreItem, StoreItems } from 'botbuilder-core';
import * as lockfile from 'proper-lockfile';
import { z } from 'zod';
import { acquireDirLock, isProcessAlive, type DirLock } from './dirLock';
import { EtagConflictError } from './errors';
import { decodeKey, encodeKey } from './keyNames';
import type { ItemMover, KeyLister } from './listing';

/**
 * botbuilder `Storage` on a local directory: one pretty-printed JSON file per key ({ key, item }).
 *
 * eTag semantics are exactly botbuilder MemoryStorage's (the shared contract suite checks both):
 *  - eTag absent or '*'            → unconditional write;
 *  - eTag given, item exists       → written only if it equals the stored eTag, else EtagConflictError;
 *  - eTag given, item missing      → written (MemoryStorage does not treat this as a conflict). updateWithCas
 *    relies on this to create records "only if still absent" with an eTag that can never match.
 * Every write gets a fresh random eTag; the caller's object is not modified.
 *
 * Durability: temp file in the same directory → fsync → rename → fsync(directory). A crash leaves either
 * the old file or the new one, never a half-written one; leftover temp files are swept on open.
 *
 * Concurrency: read-compare-write of one key runs under a per-key mutex inside the process and, when the
 * directory is opened `shared`, also under a per-key proper-lockfile lock (`.locks/<name>.lock`, an atomic
 * mkdir) so several processes can CAS the same key safely. Reads take no lock: rename is atomic.
 */
export interface FileStorageOptions {
  /** The data directory (config.dataDir). Created if missing. */
  dir: string;
  /** Allow several processes on this directory on purpose; default false (a second opener is refused). */
  shared?: boolean;
  /** Shared mode: a per-key lock not refreshed for this long is considered abandoned. Default 10 s. */
  keyLockStaleMs?: number;
  /** Fault injection for crash tests: runs after the temp file is durable, before it is renamed into place. */
  beforeRename?: (tempFile: string) => Promise<void> | void;
}

const fileSchema = z.object({ key: z.string(), item: z.record(z.unknown()) });
const TEMP = /^\.(.+)\.(\d+)\.([0-9a-f]+)\.tmp$/;

export class StoredItemCorruptError extends Error {
  readonly code = 'StoredItemCorrupt' as const;
  constructor(
    readonly key: string,
    readonly file: string,
    reason: string,
  ) {
    super(`Storage: file ${file} for key "${key}" is unreadable: ${reason}`);
    this.name = 'StoredItemCorruptError';
  }
}

export class FileStorage implements Storage, KeyLister, ItemMover {
  private readonly tails = new Map<string, Promise<void>>();
  private closed = false;

  private constructor(
    readonly dir: string,
    private readonly lock: DirLock,
    private readonly opts: FileStorageOptions,
  ) {}

  static async open(opts: FileStorageOptions): Promise<FileStorage> {
    const dir = path.resolve(opts.dir);
    await fs.mkdir(dir, { recursive: true });
    const lock = await acquireDirLock(dir, opts.shared ? 'shared' : 'exclusive');
    try {
      await sweepLeftovers(dir, lock.mode === 'exclusive');
    } catch (err) {
      await lock.release();
      throw err;
    }
    return new FileStorage(dir, lock, opts);
  }

  get shared(): boolean {
    return this.lock.mode === 'shared';
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.tails.values()]);
    await this.lock.release();
  }

  async read(keys: string[]): Promise<StoreItems> {
    if (!keys) throw new ReferenceError('Keys are required when reading.');
    this.assertOpen();
    const out: StoreItems = {};
    await Promise.all(
      keys.map(async (key) => {
        const item = await this.readOne(key);
        if (item) out[key] = item;
      }),
    );
    return out;
  }

  /** Each key is written independently (as in MemoryStorage); the first failure is thrown after all ran. */
  async write(changes: StoreItems): Promise<void> {
    if (!changes) throw new ReferenceError('Changes are required when writing.');
    this.assertOpen();
    const results = await Promise.allSettled(Object.keys(changes).map((key) => this.writeOne(key, changes[key])));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async delete(keys: string[]): Promise<void> {
    this.assertOpen();
    await Promise.all(
      keys.map((key) =>
        this.withKeyLock(key, async () => {
          await fs.rm(this.fileFor(key), { force: true });
          await fsyncDir(this.dir);
        }),
      ),
    );
  }

  /** Keys under `prefix`: a directory listing (a long key's hashed file is opened to learn its key). */
  async listKeys(prefix: string): Promise<string[]> {
    this.assertOpen();
    const wanted = prefix ? encodeKey(prefix) : '';
    const out: string[] = [];
    for (const name of await fs.readdir(this.dir)) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      const base = name.slice(0, -'.json'.length);
      const key = decodeKey(base);
      if (key !== undefined) {
        if (base.startsWith(wanted)) out.push(key);
        continue;
      }
      const stored = await fs
        .readFile(path.join(this.dir, name), 'utf8')
        .then((t) => fileSchema.safeParse(JSON.parse(t)))
        .catch(() => undefined);
      if (stored?.success && stored.data.key.startsWith(prefix)) out.push(stored.data.key);
    }
    return out;
  }

  /** Renames the key's file, bytes untouched, to the file of `toKey` (which then reads as corrupt: it names `key`). */
  async moveAside(key: string, toKey: string): Promise<void> {
    this.assertOpen();
    await this.withKeyLock(key, async () => {
      await fs.rename(this.fileFor(key), this.fileFor(toKey)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      await fsyncDir(this.dir);
    });
  }

  private fileFor(key: string): string {
    return path.join(this.dir, `${encodeKey(key)}.json`);
  }

  private async readOne(key: string): Promise<StoreItem | undefined> {
    const file = this.fileFor(key);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let parsed;
    try {
      parsed = fileSchema.safeParse(JSON.parse(text));
    } catch {
      throw new StoredItemCorruptError(key, file, 'not JSON');
    }
    if (!parsed.success) throw new StoredItemCorruptError(key, file, 'not a { key, item } record');
    if (parsed.data.key !== key) throw new StoredItemCorruptError(key, file, `it holds key "${parsed.data.key}"`);
    return parsed.data.item;
  }

  private async writeOne(key: string, item: unknown): Promise<void> {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new TypeError(`Storage: the value for "${key}" must be an object`);
    }
    const wanted = (item as StoreItem).eTag;
    const conditional = typeof wanted === 'string' && wanted !== '*' && wanted !== '';
    if (conditional) {
      // Fast refusal without queueing for locks: eTags are never reissued, so once the stored one differs
      // this write can never succeed. (A missing item is decided under the lock.)
      const current = await this.readOne(key);
      if (current && current.eTag !== wanted) throw new EtagConflictError(key);
    }
    await this.withKeyLock(key, async (compromised) => {
      if (conditional) {
        const current = await this.readOne(key);
        if (current && current.eTag !== wanted) throw new EtagConflictError(key);
      }
      const stored = { ...(item as StoreItem), eTag: newEtag() };
      await this.atomicWrite(this.fileFor(key), JSON.stringify({ key, item: stored }, null, 2) + '\n', compromised);
    });
  }

  private async atomicWrite(file: string, data: string, compromised: () => Error | undefined): Promise<void> {
    const temp = path.join(this.dir, `.${path.basename(file, '.json')}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const fh = await fs.open(temp, 'wx');
      try {
        await fh.writeFile(data, 'utf8');
        await fh.sync();
      } finally {
        await fh.close();
      }
      await this.opts.beforeRename?.(temp);
      const lost = compromised();
      if (lost) throw lost;
      await fs.rename(temp, file);
    } catch (err) {
      await fs.rm(temp, { force: true }).catch(() => undefined);
      throw err;
    }
    await fsyncDir(this.dir);
  }

  /**
   * Serialises work on one key: a promise chain in this process, plus (shared mode) a lock directory other
   * processes honour. `compromised()` reports a cross-process lock that went stale under us; the write is
   * then abandoned before the rename rather than risking a lost update.
   */
  private async withKeyLock<T>(key: string, fn: (compromised: () => Error | undefined) => Promise<T>): Promise<T> {
    const name = encodeKey(key);
    const prev = this.tails.get(name) ?? Promise.resolve();
    let done!: () => void;
    const gate = new Promise<void>((resolve) => (done = resolve));
    const tail = prev.then(() => gate);
    this.tails.set(name, tail);
    await prev;
    try {
      if (!this.shared) return await fn(() => undefined);
      let lost: Error | undefined;
      const release = await lockfile.lock(path.join(this.dir, `${name}.json`), {
        realpath: false,
        lockfilePath: path.join(this.dir, '.locks', `${name}.lock`),
        stale: this.opts.keyLockStaleMs ?? 10_000,
        retries: { retries: 2000, minTimeout: 1, maxTimeout: 20, factor: 1.2, randomize: true },
        onCompromised: (err) => {
          lost = err;
        },
      });
      try {
        return await fn(() => lost);
      } finally {
        await release().catch(() => undefined);
      }
    } finally {
      done();
      if (this.tails.get(name) === tail) this.tails.delete(name);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`Storage: ${this.dir} is closed`);
  }
}

function newEtag(): string {
  return `${Date.now().toString(36)}-${randomBytes(8).toString('hex')}`;
}

/**
 * Removes temp files a crash left behind (never visible as data: readers only open `<name>.json`).
 * Exclusive mode: every temp file and per-key lock is ours to clear. Shared mode: only temp files whose
 * writer process is gone; abandoned key locks expire through proper-lockfile's staleness check.
 */
async function sweepLeftovers(dir: string, exclusive: boolean): Promise<void> {
  await fs.mkdir(path.join(dir, '.locks'), { recursive: true });
  for (const name of await fs.readdir(dir)) {
    const m = TEMP.exec(name);
    if (m && (exclusive || !isProcessAlive(Number(m[2])))) await fs.rm(path.join(dir, name), { force: true });
  }
  if (exclusive) {
    for (const name of await fs.readdir(path.join(dir, '.locks'))) {
      await fs.rm(path.join(dir, '.locks', name), { recursive: true, force: true });
    }
  }
}

async function fsyncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await fs.open(dir, 'r');
    await fh.sync();
  } catch (err) {
    // Windows cannot open or fsync a directory; the rename is still atomic there.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw err;
  } finally {
    await fh?.close();
  }
}
