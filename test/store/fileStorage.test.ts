import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileStorage, StoredItemCorruptError } from '../../src/store/fileStorage';
import { StorageLockedError, EtagConflictError } from '../../src/store/errors';
import { encodeKey, decodeKey } from '../../src/store/keyNames';
import { parseAs } from '../harness/json';
import { startChild, type Child } from './fixtures/children';
import { readItem } from './storageContract';

let dir: string;
const open: FileStorage[] = [];
const children: Child[] = [];

async function openStore(opts: { shared?: boolean } = {}): Promise<FileStorage> {
  const s = await FileStorage.open({ dir, ...opts });
  open.push(s);
  return s;
}

/** A pid that certainly belonged to a process and is now gone. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
}

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'filestore-'));
});
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.proc.exitCode === null && c.proc.signalCode === null) {
      c.proc.kill('SIGKILL');
      await c.exited;
    }
  }
  for (const s of open.splice(0)) await s.close();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('key file names', () => {
  it('are reversible, case-distinct and never hidden', () => {
    for (const key of ['a:b/c', 'A', 'a', '.x', 'ünï 🚀', '%41']) {
      const name = encodeKey(key);
      expect(name).toMatch(/^([a-z0-9_-]|%[0-9A-F]{2})+$/);
      expect(decodeKey(name)).toBe(key);
    }
    expect(encodeKey('A')).not.toBe(encodeKey('a'));
  });

  it('hash very long keys to a bounded name', () => {
    const name = encodeKey('k'.repeat(1000));
    expect(name).toMatch(/^~[0-9a-f]{64}$/);
    expect(decodeKey(name)).toBeUndefined();
  });
});

describe('FileStorage on disk', () => {
  it('stores one readable JSON file per key holding the key and the item', async () => {
    const s = await openStore();
    await s.write({ 'approvals/42': { state: 'pending' } });
    const file = path.join(dir, `${encodeKey('approvals/42')}.json`);
    const onDisk = parseAs<unknown>(await fs.readFile(file, 'utf8'));
    expect(onDisk).toEqual({ key: 'approvals/42', item: { state: 'pending', eTag: expect.any(String) as unknown } });
  });

  it('throws a typed EtagConflictError naming the key', async () => {
    const s = await openStore();
    await s.write({ k: { v: 1 } });
    await expect(s.write({ k: { v: 2, eTag: 'stale' } })).rejects.toThrow(EtagConflictError);
    await expect(s.write({ k: { v: 2, eTag: 'stale' } })).rejects.toThrow(/"k"/);
  });

  it('values survive close and reopen', async () => {
    const s = await openStore();
    await s.write({ k: { v: 1 } });
    await s.close();
    const again = await openStore();
    expect((await readItem(again, 'k')).v).toBe(1);
  });

  it('ignores and sweeps a temp file left by a crash; the old value stays', async () => {
    const s = await openStore();
    await s.write({ k: { v: 'old' } });
    await s.close();
    const leftover = path.join(dir, `.${encodeKey('k')}.${process.pid}.abcdef.tmp`);
    await fs.writeFile(leftover, '{"key":"k","item":{"v":"ne'); // half-written
    const again = await openStore();
    expect((await readItem(again, 'k')).v).toBe('old');
    await expect(fs.stat(leftover)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reports a hand-damaged file as corrupt instead of returning garbage', async () => {
    const s = await openStore();
    await fs.writeFile(path.join(dir, `${encodeKey('k')}.json`), 'not json');
    await expect(s.read(['k'])).rejects.toThrow(StoredItemCorruptError);
  });

  it('refuses a second open of the same directory, naming the directory and the holding pid', async () => {
    await openStore();
    const err = await FileStorage.open({ dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageLockedError);
    expect((err as Error).message).toContain(dir);
    expect((err as Error).message).toContain(String(process.pid));
  });

  it('takes over a lock left by a dead process', async () => {
    await fs.writeFile(path.join(dir, '.lock'), JSON.stringify({ pid: deadPid(), host: os.hostname() }));
    const s = await openStore();
    await s.write({ k: { v: 1 } });
    expect((await readItem(s, 'k')).v).toBe(1);
  });

  it('takes over a lock left by a crashed earlier process that had the same pid (container restart)', async () => {
    const beforeWeStarted = new Date(Date.now() - process.uptime() * 1000 - 60_000).toISOString();
    await fs.writeFile(path.join(dir, '.lock'), JSON.stringify({ pid: process.pid, host: os.hostname(), since: beforeWeStarted }));
    const s = await openStore();
    await s.write({ k: { v: 1 } });
    expect((await readItem(s, 'k')).v).toBe(1);
  });

  it('treats a young empty lock file as held (its creator is still writing it), an old one as stale', async () => {
    const lock = path.join(dir, '.lock');
    await fs.writeFile(lock, '');
    await expect(FileStorage.open({ dir })).rejects.toThrow(StorageLockedError);
    const old = new Date(Date.now() - 60_000);
    await fs.utimes(lock, old, old);
    await openStore();
  });

  it('keeps exclusive and shared openers apart', async () => {
    const shared = await openStore({ shared: true });
    await expect(FileStorage.open({ dir })).rejects.toThrow(/shared/);
    await shared.close();
    await openStore();
    await expect(FileStorage.open({ dir, shared: true })).rejects.toThrow(StorageLockedError);
  });

  it('lets two shared openers in the same process CAS the same key without losing updates', async () => {
    const a = await openStore({ shared: true });
    const b = await openStore({ shared: true });
    await a.write({ k: { v: 0 } });
    const read = await readItem(b, 'k');
    await a.write({ k: { ...read, v: 1 } });
    await expect(b.write({ k: { ...read, v: 2 } })).rejects.toThrow(EtagConflictError);
    expect((await readItem(a, 'k')).v).toBe(1);
  });
});

describe('FileStorage across processes', () => {
  it('refuses to open a directory another process holds, naming that pid', async () => {
    const holder = startChild('hold', dir);
    children.push(holder);
    await holder.waitFor('ready');
    const err = (await FileStorage.open({ dir }).catch((e: unknown) => e)) as StorageLockedError;
    expect(err).toBeInstanceOf(StorageLockedError);
    expect(err.holderPid).toBe(holder.proc.pid);
    expect(err.message).toContain(`process ${holder.proc.pid}`);
    expect(err.message).toContain(dir);
    // once the holder is killed, its lock is stale and the directory opens again
    holder.proc.kill('SIGKILL');
    await holder.exited;
    await openStore();
  });

  it('a writer killed between temp write and rename leaves the old value intact', async () => {
    const s = await openStore();
    await s.write({ k: { value: 'old' } });
    await s.close();
    const child = startChild('crash', dir, 'k', 'new');
    children.push(child);
    await child.waitFor('frozen');
    const temps = (await fs.readdir(dir)).filter((n) => n.endsWith('.tmp'));
    expect(temps).toHaveLength(1); // the new value is durable in a temp file, not yet visible
    child.proc.kill('SIGKILL');
    await child.exited;
    const again = await openStore();
    expect((await readItem(again, 'k')).value).toBe('old');
    expect((await fs.readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('two processes in shared mode doing 100 CAS increments each on one key reach 200', async () => {
    const a = startChild('increment', dir, 'counter', '100');
    const b = startChild('increment', dir, 'counter', '100');
    children.push(a, b);
    await Promise.all([a.waitFor('done'), b.waitFor('done')]);
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
    const s = await openStore();
    expect((await readItem(s, 'counter')).count).toBe(200);
  });
});
