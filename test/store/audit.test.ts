import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../src/domain/clock';
import { AuditLog, AuditRewriteError, auditChunkKey, eventKey, type AuditInput, type AuditMigrations } from '../../src/store/audit';
import type { AuditAction } from '../../src/domain/audit';
import { FileStorage } from '../../src/store/fileStorage';
import { MemoryStorage } from '../../src/store/memory';

const alice = { aadObjectId: '00000000-0000-0000-0000-00000000a11c', name: 'Alice' };
// The store treats the action as a label: these tests use made-up ones to tell events apart.
const event = (action: string, configuration?: string): AuditInput => ({ actor: alice, action: action as AuditAction, configuration, outcome: 'ok' });

describe('AuditLog', () => {
  it('stores each event under its own audit/<at>/<id> key with schemaVersion 1', async () => {
    const storage = new MemoryStorage();
    const clock = new ManualClock(Date.UTC(2026, 2, 1, 12));
    const log = new AuditLog(storage, { clock, newId: () => 'e1' });
    const rec = await log.append({ actor: 'system', action: 'job.start', configuration: 'contoso', outcome: 'ok', graphRequestId: 'r-1' });
    expect(rec).toEqual({
      schemaVersion: 1,
      id: 'e1',
      at: '2026-03-01T12:00:00.000Z',
      actor: 'system',
      action: 'job.start',
      configuration: 'contoso',
      outcome: 'ok',
      graphRequestId: 'r-1',
    });
    const stored: unknown = (await storage.read(['audit/2026-03-01T12:00:00.000Z/e1']))['audit/2026-03-01T12:00:00.000Z/e1'];
    expect(stored).toMatchObject({ id: 'e1', action: 'job.start' });
  });

  it('refuses to rewrite an existing audit id and keeps the original', async () => {
    const storage = new MemoryStorage();
    const log = new AuditLog(storage, { clock: new ManualClock(), newId: () => 'same' });
    const first = await log.append(event('approval.executed'));
    await expect(log.appendRecord({ ...first, outcome: 'failed', detail: 'tampered' })).rejects.toThrow(AuditRewriteError);
    const [only] = await log.last(10);
    expect(only).toEqual(first);
    expect(await log.last(10)).toHaveLength(1);
  });

  it('rejects a malformed event before storing anything', async () => {
    const storage = new MemoryStorage();
    const log = new AuditLog(storage);
    await expect(log.append({ actor: { aadObjectId: '' }, action: 'job.start', outcome: 'ok' })).rejects.toThrow();
    await expect(log.append({ actor: 'system', action: 'job.start', outcome: 'maybe' as 'ok' })).rejects.toThrow();
    expect(await log.last(10)).toEqual([]);
  });

  it('lists the last N newest first across chunk boundaries, optionally by configuration', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    let n = 0;
    const log = new AuditLog(new MemoryStorage(), { clock, chunkSize: 3, newId: () => `id${String(++n).padStart(3, '0')}` });
    for (let i = 0; i < 10; i++) {
      clock.advance(1000);
      await log.append(event(`step.${i}`, i % 2 === 0 ? 'even' : 'odd'));
    }
    expect((await log.last(4)).map((r) => r.action)).toEqual(['step.9', 'step.8', 'step.7', 'step.6']);
    expect((await log.last(3, { configuration: 'even' })).map((r) => r.action)).toEqual(['step.8', 'step.6', 'step.4']);
    expect((await log.last(100)).map((r) => r.action)).toHaveLength(10);
    expect(await log.last(0)).toEqual([]);
  });

  it('orders by time even when a slow writer indexes an older event later', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 10));
    let n = 0;
    const log = new AuditLog(new MemoryStorage(), { clock, chunkSize: 2, newId: () => `id${++n}` });
    await log.append(event('a'));
    clock.advance(60_000);
    await log.append(event('c'));
    clock.advance(-30_000); // another writer whose clock is behind
    await log.append(event('b'));
    expect((await log.last(3)).map((r) => r.action)).toEqual(['c', 'b', 'a']);
    expect((await log.last(2)).map((r) => r.action)).toEqual(['c', 'b']);
  });

  it('lists a time range oldest first without reading chunks far older than the range', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const storage = new MemoryStorage();
    const log = new AuditLog(storage, { clock, chunkSize: 5, skewMs: 0 });
    for (let day = 0; day < 30; day++) {
      clock.set(Date.UTC(2026, 0, 1 + day, 9));
      await log.append(event(`day.${day + 1}`, 'contoso'));
    }
    const reads: string[][] = [];
    const original = storage.read.bind(storage);
    storage.read = (keys: string[]) => (reads.push(keys), original(keys));
    const got = await log.between(new Date(Date.UTC(2026, 0, 28)), new Date(Date.UTC(2026, 0, 30)));
    expect(got.map((r) => r.action)).toEqual(['day.28', 'day.29']);
    const chunkReads = reads.flat().filter((k) => k.startsWith('audit-index/chunk/'));
    expect(chunkReads.length).toBeLessThanOrEqual(2); // 6 chunks exist; only the newest two are needed
  });

  it('still reads a record of an older schemaVersion through the migration hook', async () => {
    const storage = new MemoryStorage();
    const migrations: AuditMigrations = {
      // a hypothetical v0: free-text actor id, `time` instead of `at`, `result` instead of `outcome`
      0: (r) => ({
        id: r.id,
        at: r.time,
        actor: r.actorId === 'system' ? 'system' : { aadObjectId: r.actorId },
        action: r.action,
        outcome: r.result === 'success' ? 'ok' : 'failed',
      }),
    };
    const skipped: string[] = [];
    const log = new AuditLog(storage, { migrations, onInvalid: (key) => skipped.push(key) });
    const at = '2025-12-01T08:00:00.000Z';
    const key = eventKey({ at, id: 'old1' });
    await storage.write({
      [key]: { id: 'old1', time: at, actorId: 'u-1', action: 'job.pause', result: 'success' },
      [auditChunkKey(0)]: { schemaVersion: 1, entries: [{ id: 'old1', at, key, action: 'job.pause' }] },
    });
    await log.append(event('job.resume'));
    const [newer, older] = await log.last(2);
    expect(newer.action).toBe('job.resume');
    expect(older).toEqual({ schemaVersion: 1, id: 'old1', at, actor: { aadObjectId: 'u-1' }, action: 'job.pause', outcome: 'ok' });
    // without the migration the old record is skipped and reported, not thrown
    const strict = new AuditLog(storage, { migrations: {}, onInvalid: (k) => skipped.push(k) });
    expect((await strict.last(5)).map((r) => r.id)).not.toContain('old1');
    expect(skipped).toEqual([key]);
  });

  it('lists every event when many appends race on one storage', async () => {
    const log = new AuditLog(new MemoryStorage(), { chunkSize: 4 });
    const made = await Promise.all(Array.from({ length: 40 }, (_, i) => log.append(event(`burst.${i}`))));
    const listed = await log.last(100);
    expect(listed.map((r) => r.id).sort()).toEqual(made.map((r) => r.id).sort());
  });

  it('indexes concurrent appends in a few chunk writes, not one CAS round per event (issue 15: the approvals stall)', async () => {
    // Every approval audits several events; 200 clicks at once each CASing the newest chunk made a convoy where each
    // commit cost every other appender a failed read–parse–write round.
    const storage = new MemoryStorage();
    const chunkReads: string[] = [];
    const chunkWrites: string[] = [];
    const counting = {
      read: (keys: string[]) => {
        chunkReads.push(...keys.filter((k) => k.startsWith('audit-index/chunk/')));
        return storage.read(keys);
      },
      write: (changes: Record<string, unknown>) => {
        chunkWrites.push(...Object.keys(changes).filter((k) => k.startsWith('audit-index/chunk/')));
        return storage.write(changes);
      },
      delete: (keys: string[]) => storage.delete(keys),
    };
    const log = new AuditLog(counting, { chunkSize: 200 });
    const made = await Promise.all(Array.from({ length: 100 }, (_, i) => log.append(event(`burst.${i}`))));
    expect(chunkWrites.length).toBeLessThanOrEqual(5);
    expect(chunkReads.length).toBeLessThanOrEqual(10);
    expect((await log.last(200)).map((r) => r.id).sort()).toEqual(made.map((r) => r.id).sort());
  });

  describe('two writers on one FileStorage directory (shared)', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'audit-'));
    });
    afterEach(async () => {
      await fs.rm(dir, { recursive: true, force: true });
    });

    it('keeps every concurrent append from both writers', async () => {
      const a = await FileStorage.open({ dir, shared: true });
      const b = await FileStorage.open({ dir, shared: true });
      try {
        const logA = new AuditLog(a, { chunkSize: 5 });
        const logB = new AuditLog(b, { chunkSize: 5 });
        const made = await Promise.all([
          ...Array.from({ length: 15 }, (_, i) => logA.append(event(`a.${i}`, 'contoso'))),
          ...Array.from({ length: 15 }, (_, i) => logB.append(event(`b.${i}`, 'fabrikam'))),
        ]);
        const fromA = await logA.last(100);
        expect(fromA.map((r) => r.id).sort()).toEqual(made.map((r) => r.id).sort());
        expect(await logB.last(100, { configuration: 'fabrikam' })).toHaveLength(15);
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
});

describe('AuditLog self-healing (issue 11, defect 5)', () => {
  let dir: string;
  let storage: FileStorage;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'audit-heal-'));
    storage = await FileStorage.open({ dir });
  });
  afterEach(async () => {
    await storage.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('an unreadable index chunk: appends go on, nothing is lost, and after repair every event is listed once', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const problems: string[] = [];
    let n = 0;
    const log = new AuditLog(storage, { clock, chunkSize: 40, newId: () => `e${String(++n).padStart(3, '0')}`, onIndexProblem: (p) => problems.push(p.kind) });
    const tick = () => clock.set(clock.now() + 1000);
    for (let i = 0; i < 60; i++, tick()) await log.append(event(`a.${i}`, 'contoso'));
    // Chunk 1 (the newest) becomes unreadable; keep its bytes to put them back later.
    const file = (await fs.readdir(dir)).find((f) => f.startsWith('audit-index%2Fchunk%2F000000001'))!;
    const good = await fs.readFile(path.join(dir, file), 'utf8');
    await fs.writeFile(path.join(dir, file), '{"key": "audit-index/chunk/000000001", "item": {"entr');
    for (let i = 60; i < 185; i++, tick()) await log.append(event(i === 100 ? 'scope.approved' : `a.${i}`, 'contoso'));
    expect(problems).toContain('chunk-unreadable');

    const listed = await log.last(1000);
    expect(listed).toHaveLength(185);
    expect(new Set(listed.map((r) => r.id)).size).toBe(185);
    expect(listed.some((r) => r.action === 'scope.approved')).toBe(true);

    // The chunk is restored by hand: entries now named twice are still listed once.
    await fs.writeFile(path.join(dir, file), good);
    const again = await new AuditLog(storage, { clock }).last(1000);
    expect(again).toHaveLength(185);
    const range = await log.between(new Date(Date.UTC(2026, 0, 1)), new Date(Date.UTC(2026, 0, 2)));
    expect(range).toHaveLength(185);
  });

  it('an event stored but never indexed (crash in between) is indexed by repair() at start-up', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const log = new AuditLog(storage, { clock, newId: () => 'first' });
    await log.append(event('job.pause'));
    const orphan = {
      schemaVersion: 1,
      id: 'orphan',
      at: new Date(Date.UTC(2026, 0, 1, 0, 0, 5)).toISOString(),
      actor: alice,
      action: 'scope.executed',
      outcome: 'ok' as const,
    };
    await storage.write({ [eventKey(orphan)]: { ...orphan } });
    const restarted = new AuditLog(storage, { clock });
    expect(await restarted.repair()).toBe(1);
    expect((await restarted.last(10)).map((r) => r.id)).toEqual(['orphan', 'first']);
    expect(await restarted.repair()).toBe(0);
  });

  it('writing the same event again after a crash indexes it instead of doubling it', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const log = new AuditLog(storage, { clock });
    const rec = { schemaVersion: 1 as const, id: 'op-x', at: new Date(clock.now()).toISOString(), actor: alice, action: 'job.pause', outcome: 'ok' as const };
    await storage.write({ [eventKey(rec)]: { ...rec } }); // stored, not indexed: the process died here
    await expect(log.appendRecord(rec)).rejects.toThrow(AuditRewriteError);
    expect((await log.last(10)).map((r) => r.id)).toEqual(['op-x']);
  });
});
