import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import * as lockfile from 'proper-lockfile';
import { z } from 'zod';
import { StorageLockedError } from './errors';

/**
 * Who may use a data directory.
 *
 * exclusive: `DATA_DIR/.lock` is created with O_EXCL and holds {pid, host}. A second opener is refused with
 *   a message naming the directory and the holder. A lock whose pid is dead on this host is stale and is taken
 *   over (under a short mkdir lock, so two openers cannot both take over the same stale file).
 * shared: each process drops a marker in `DATA_DIR/.shared/`; several may run at once on purpose and rely on
 *   FileStorage's per-key locks. Exclusive and shared exclude each other: each side first announces itself,
 *   then looks for the other, so of two racing openers at least one sees the other.
 *
 * Liveness is judged with `kill(pid, 0)`, which only means something on the same host; a holder on another
 * host is always treated as alive.
 */
export type DirLockMode = 'exclusive' | 'shared';

export interface DirLock {
  readonly mode: DirLockMode;
  release(): Promise<void>;
}

const holderSchema = z.object({ pid: z.number().int(), host: z.string(), since: z.string().optional() });
type Holder = z.infer<typeof holderSchema>;

const me = (): Holder => ({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() });

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** An unreadable (e.g. still empty) lock file younger than this is presumed mid-create by a live opener. */
const INCOMPLETE_GRACE_MS = 5000;

function holderAlive(h: Holder): boolean {
  if (h.host !== os.hostname()) return true;
  if (h.pid === -1) return h.since !== undefined && Date.now() - Date.parse(h.since) < INCOMPLETE_GRACE_MS;
  if (h.pid === process.pid) {
    // Our own pid: either this very process holds it, or a previous incarnation (a container restarted
    // with the same pid) crashed holding it. A lock taken before this process started is the latter.
    const startedAt = Date.now() - process.uptime() * 1000;
    return h.since === undefined || !(Date.parse(h.since) < startedAt);
  }
  return isProcessAlive(h.pid);
}

async function readHolder(file: string): Promise<Holder | undefined> {
  try {
    const parsed = holderSchema.safeParse(JSON.parse(await fs.readFile(file, 'utf8')));
    return parsed.success ? parsed.data : await incompleteHolder(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (err instanceof SyntaxError) return incompleteHolder(file);
    throw err;
  }
}

/**
 * An unreadable lock file: the lock is created with O_EXCL and written afterwards, so a young one is
 * probably being written right now (pid -1, `since` = its mtime; holderAlive gives it a grace period),
 * while an old one can only come from a crash mid-create.
 */
async function incompleteHolder(file: string): Promise<Holder | undefined> {
  try {
    const st = await fs.stat(file);
    return { pid: -1, host: os.hostname(), since: st.mtime.toISOString() };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function heldMessage(dir: string, h: Holder, how: string): string {
  return (
    `Data directory ${dir} is already in use by process ${h.pid} on ${h.host} (${how}). ` +
    `Stop that process first, or open the store with shared: true in every process meant to share it. ` +
    `If that process is gone, delete ${path.join(dir, '.lock')}.`
  );
}

export async function acquireDirLock(dir: string, mode: DirLockMode): Promise<DirLock> {
  await fs.mkdir(path.join(dir, '.shared'), { recursive: true });
  return mode === 'exclusive' ? acquireExclusive(dir) : acquireShared(dir);
}

async function acquireExclusive(dir: string): Promise<DirLock> {
  const lockPath = path.join(dir, '.lock');
  const mine = me();
  const body = JSON.stringify(mine) + '\n';
  if (!(await createExclusive(lockPath, body))) {
    const holder = await readHolder(lockPath);
    if (holder && holderAlive(holder)) throw new StorageLockedError(dir, holder.pid, heldMessage(dir, holder, 'exclusive'));
    await takeOverStale(dir, lockPath);
    if (!(await createExclusive(lockPath, body))) {
      const now = await readHolder(lockPath);
      throw new StorageLockedError(dir, now?.pid, heldMessage(dir, now ?? { pid: -1, host: '?' }, 'exclusive'));
    }
  }
  const sharer = await liveSharer(dir);
  if (sharer) {
    await fs.rm(lockPath, { force: true });
    throw new StorageLockedError(dir, sharer.pid, heldMessage(dir, sharer, 'shared'));
  }
  return {
    mode: 'exclusive',
    release: async () => {
      const h = await readHolder(lockPath);
      if (h && h.pid === mine.pid && h.since === mine.since) await fs.rm(lockPath, { force: true });
    },
  };
}

async function acquireShared(dir: string): Promise<DirLock> {
  const marker = path.join(dir, '.shared', `${process.pid}-${randomBytes(4).toString('hex')}`);
  await fs.writeFile(marker, JSON.stringify(me()) + '\n', { flag: 'wx' });
  const holder = await readHolder(path.join(dir, '.lock'));
  if (holder && holderAlive(holder)) {
    await fs.rm(marker, { force: true });
    throw new StorageLockedError(dir, holder.pid, heldMessage(dir, holder, 'exclusive'));
  }
  return { mode: 'shared', release: () => fs.rm(marker, { force: true }) };
}

async function createExclusive(file: string, body: string): Promise<boolean> {
  try {
    const fh = await fs.open(file, 'wx');
    try {
      await fh.writeFile(body);
      await fh.sync();
    } finally {
      await fh.close();
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Removes a stale `.lock`, re-checking under a mkdir lock so a fresh lock taken meanwhile survives. */
async function takeOverStale(dir: string, lockPath: string): Promise<void> {
  const release = await lockfile.lock(lockPath, {
    realpath: false,
    lockfilePath: path.join(dir, '.lock-takeover'),
    stale: 5000,
    retries: { retries: 50, minTimeout: 5, maxTimeout: 50 },
  });
  try {
    const h = await readHolder(lockPath);
    if (h && !holderAlive(h)) await fs.rm(lockPath, { force: true });
  } finally {
    await release();
  }
}

/** A live shared-mode process, if any; markers of dead processes are swept on the way. */
async function liveSharer(dir: string): Promise<Holder | undefined> {
  const sharedDir = path.join(dir, '.shared');
  for (const name of await fs.readdir(sharedDir)) {
    const file = path.join(sharedDir, name);
    const h = await readHolder(file);
    if (!h) continue;
    if (holderAlive(h)) return h;
    await fs.rm(file, { force: true });
  }
  return undefined;
}
