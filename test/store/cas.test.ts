import type { Storage, StoreItems } from 'botbuilder-core';
import { updateWithCas, updateWithCasDetailed } from '../../src/store/cas';
import { CasExhaustedError, EtagConflictError, isEtagConflict } from '../../src/store/errors';
import { MemoryStorage } from '../../src/store/memory';
import { readItem } from './storageContract';

type Approval = { state: 'pending' | 'approved' | 'rejected'; by?: string };
const noBackoff = (): Promise<void> => Promise.resolve();

/** MemoryStorage where another writer sneaks in a change before each of our first `times` writes. */
async function racingStorage(initial: StoreItems, times: number, intrude: (s: MemoryStorage) => Promise<void>): Promise<Storage> {
  const inner = new MemoryStorage();
  await inner.write(initial);
  let left = times;
  return {
    read: (keys) => inner.read(keys),
    delete: (keys) => inner.delete(keys),
    write: async (changes: StoreItems) => {
      if (left-- > 0) await intrude(inner);
      return inner.write(changes);
    },
  };
}

describe('updateWithCas', () => {
  it('creates, then transitions, handing decide a copy without the eTag', async () => {
    const storage = new MemoryStorage();
    const seen: Array<Approval | undefined> = [];
    await updateWithCas<Approval>(storage, 'req/1', (cur) => (seen.push(cur), { state: 'pending' }));
    const done = await updateWithCas<Approval>(storage, 'req/1', (cur) => {
      seen.push(cur);
      return cur?.state === 'pending' ? { state: 'approved', by: 'alice' } : 'abort';
    });
    expect(seen).toEqual([undefined, { state: 'pending' }]);
    expect(done).toEqual({ state: 'approved', by: 'alice' });
    expect((await storage.read(['req/1']))['req/1']).toMatchObject({ state: 'approved', by: 'alice' });
  });

  it('on abort writes nothing and returns the current value', async () => {
    const storage = new MemoryStorage();
    await storage.write({ 'req/1': { state: 'rejected' } });
    const before = (await readItem(storage, 'req/1')).eTag;
    const r = await updateWithCasDetailed<Approval>(storage, 'req/1', (cur) => (cur?.state === 'pending' ? { state: 'approved' } : 'abort'));
    expect(r).toEqual({ outcome: 'unchanged', item: { state: 'rejected' }, attempts: 1 });
    expect((await readItem(storage, 'req/1')).eTag).toBe(before);
  });

  it('after losing a race re-reads and decides again instead of overwriting', async () => {
    // Two approvers: Bob's reject lands between Alice's read and her write.
    const storage = await racingStorage({ 'req/1': { state: 'pending' } }, 1, (s) => s.write({ 'req/1': { state: 'rejected', by: 'bob' } }));
    const decisions: Array<Approval | undefined> = [];
    const r = await updateWithCasDetailed<Approval>(
      storage,
      'req/1',
      (cur) => (decisions.push(cur), cur?.state === 'pending' ? { state: 'approved', by: 'alice' } : 'abort'),
      { backoff: noBackoff },
    );
    expect(decisions).toEqual([{ state: 'pending' }, { state: 'rejected', by: 'bob' }]);
    expect(r).toEqual({ outcome: 'unchanged', item: { state: 'rejected', by: 'bob' }, attempts: 2 });
    expect((await storage.read(['req/1']))['req/1']).toMatchObject({ state: 'rejected', by: 'bob' });
  });

  it("two creators racing on a missing key: the loser sees the winner's record", async () => {
    const storage = await racingStorage({}, 1, (s) => s.write({ 'inc/1': { state: 'pending', by: 'monitor-a' } }));
    const r = await updateWithCasDetailed<Approval>(storage, 'inc/1', (cur) => cur ?? { state: 'pending', by: 'monitor-b' }, {
      backoff: noBackoff,
    });
    expect(r).toEqual({ outcome: 'committed', item: { state: 'pending', by: 'monitor-a' }, attempts: 2 });
  });

  it('gives up with CasExhaustedError after maxAttempts conflicts', async () => {
    let n = 0;
    const storage = await racingStorage({}, 100, (s) => s.write({ hot: { n: ++n } }));
    const err = await updateWithCas<{ n: number }>(storage, 'hot', (cur) => ({ n: (cur?.n ?? 0) + 1000 }), {
      maxAttempts: 3,
      backoff: noBackoff,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CasExhaustedError);
    expect(err).toMatchObject({ key: 'hot', attempts: 3 });
    expect((await readItem(storage, 'hot')).n).toBe(3);
  });

  it('passes other storage errors through untouched', async () => {
    const boom = new Error('disk full');
    const storage: Storage = { read: () => Promise.resolve({}), write: () => Promise.reject(boom), delete: () => Promise.resolve() };
    await expect(updateWithCas(storage, 'k', () => ({ v: 1 }))).rejects.toBe(boom);
  });
});

describe('isEtagConflict', () => {
  it('recognises every backend we use', async () => {
    const mem = new MemoryStorage();
    await mem.write({ k: { v: 1 } });
    const memErr = await mem.write({ k: { v: 2, eTag: 'nope' } }).catch((e: unknown) => e);
    expect(isEtagConflict(memErr)).toBe(true);
    expect(isEtagConflict(new EtagConflictError('k'))).toBe(true);
    expect(isEtagConflict({ name: 'EtagConflictError', code: 'EtagConflict' })).toBe(true); // another module copy
    // @azure/storage-blob RestError shapes (BlobsStorage passes them through)
    expect(
      isEtagConflict(
        Object.assign(new Error('The condition specified using HTTP conditional header(s) is not met.'), {
          name: 'RestError',
          statusCode: 412,
          code: 'ConditionNotMet',
        }),
      ),
    ).toBe(true);
    expect(
      isEtagConflict(Object.assign(new Error('The specified blob already exists.'), { name: 'RestError', statusCode: 409, code: 'BlobAlreadyExists' })),
    ).toBe(true);
    // Cosmos
    expect(isEtagConflict(Object.assign(new Error('precondition'), { code: 412 }))).toBe(true);
  });

  it('does not mistake other failures for conflicts', () => {
    expect(isEtagConflict(new Error('ENOSPC: no space left on device'))).toBe(false);
    expect(isEtagConflict(Object.assign(new Error('Not found'), { statusCode: 404, code: 'BlobNotFound' }))).toBe(false);
    expect(isEtagConflict(Object.assign(new Error('conflict'), { statusCode: 409, code: 'ContainerBeingDeleted' }))).toBe(false);
    expect(isEtagConflict(undefined)).toBe(false);
    expect(isEtagConflict('eTag conflict')).toBe(false);
  });
});
