import type { Storage } from 'botbuilder-core';
import { ABSENT_ETAG, createIfAbsent, updateWithCas } from '../../src/store/cas';
import { isEtagConflict } from '../../src/store/errors';
import { canListKeys, canMoveItems } from '../../src/store/listing';

/**
 * The behaviour every Storage backend we plug in must have: FileStorage (exclusive and shared),
 * botbuilder MemoryStorage, and AzureBlobStorage on Azurite (blobStorage.test.ts). `factory` returns a
 * fresh, empty store and a cleanup.
 *
 * "An eTag'd write to a missing key succeeds" is MemoryStorage's rule, and updateWithCas/createIfAbsent
 * build create-only on it (ABSENT_ETAG). Blob If-Match on a missing blob is refused by the service, so
 * AzureBlobStorage maps ABSENT_ETAG to If-None-Match: * and retries a refused If-Match as create-only.
 */
export interface StorageUnderTest {
  storage: Storage;
  cleanup?: () => Promise<void>;
}

/** The error a write rejects with, or undefined if it succeeded. */
async function writeError(storage: Storage, changes: Record<string, object>): Promise<unknown> {
  return storage.write(changes).then(
    () => undefined,
    (e: unknown) => e,
  );
}

expect.extend({
  toSatisfyEtagConflict(received: unknown) {
    const pass = isEtagConflict(received);
    return { pass, message: () => `expected ${String(received)} ${pass ? 'not ' : ''}to be an eTag conflict` };
  },
});
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Matchers<R> {
      toSatisfyEtagConflict(): R;
    }
  }
}

const noBackoff = (): Promise<void> => Promise.resolve();

/** A stored test item: the values these tests write, and the eTag the store adds. */
export type StoredTestItem = { eTag: string; [key: string]: unknown };

/** One item as the store answers it (botbuilder types items as any). */
export async function readItem(storage: Storage, key: string): Promise<StoredTestItem> {
  return (await storage.read([key]))[key] as StoredTestItem;
}

export function describeStorageContract(name: string, factory: () => Promise<StorageUnderTest>): void {
  describe(`Storage contract: ${name}`, () => {
    let sut: StorageUnderTest;
    let storage: Storage;
    beforeEach(async () => {
      sut = await factory();
      storage = sut.storage;
    });
    afterEach(async () => {
      await sut.cleanup?.();
    });

    it('reports a missing key as absent, not as undefined or null', async () => {
      const got = await storage.read(['nope']);
      expect(got).toEqual({});
      expect(Object.prototype.hasOwnProperty.call(got, 'nope')).toBe(false);
    });

    it('round-trips an item and gives it a string eTag', async () => {
      const value = { n: 1, nested: { list: [1, 'two', null], flag: true }, text: 'héllo' };
      await storage.write({ a: value });
      const got = (await storage.read(['a', 'missing'])) as Record<string, { eTag: string }>;
      expect(got).toEqual({ a: { ...value, eTag: expect.any(String) as unknown } });
      expect(got.a.eTag.length).toBeGreaterThan(0);
      expect(value).not.toHaveProperty('eTag'); // the caller's object is not modified
    });

    it('issues a new eTag on every write', async () => {
      await storage.write({ k: { v: 1 } });
      const first = (await readItem(storage, 'k')).eTag;
      await storage.write({ k: { v: 2, eTag: first } });
      const second = (await readItem(storage, 'k')).eTag;
      expect(second).not.toBe(first);
    });

    it('refuses a write with a stale eTag and keeps the stored value', async () => {
      await storage.write({ k: { v: 1 } });
      const stale = await readItem(storage, 'k');
      await storage.write({ k: { ...stale, v: 2 } });
      expect(await writeError(storage, { k: { ...stale, v: 3 } })).toSatisfyEtagConflict();
      expect((await readItem(storage, 'k')).v).toBe(2);
    });

    it("overwrites unconditionally with eTag '*' or without an eTag", async () => {
      await storage.write({ k: { v: 1 } });
      await storage.write({ k: { v: 2, eTag: '*' } });
      expect((await readItem(storage, 'k')).v).toBe(2);
      await storage.write({ k: { v: 3 } });
      expect((await readItem(storage, 'k')).v).toBe(3);
    });

    it('writes an item carrying an eTag when the key is missing (MemoryStorage semantics)', async () => {
      await storage.write({ fresh: { v: 1, eTag: 'some-etag-never-issued' } });
      expect((await readItem(storage, 'fresh')).v).toBe(1);
    });

    it('creates only if absent with the ABSENT_ETAG', async () => {
      expect(await createIfAbsent(storage, 'once', { v: 1 })).toBe(true);
      expect(await createIfAbsent(storage, 'once', { v: 2 })).toBe(false);
      expect(await writeError(storage, { once: { v: 3, eTag: ABSENT_ETAG } })).toSatisfyEtagConflict();
      expect((await readItem(storage, 'once')).v).toBe(1);
    });

    it('deletes, and deleting a missing key is not an error', async () => {
      await storage.write({ a: { v: 1 }, b: { v: 2 } });
      await storage.delete(['a', 'never-there']);
      const got = await storage.read(['a', 'b']);
      expect(Object.keys(got)).toEqual(['b']);
    });

    it('loses no update when 50 callers increment one counter concurrently', async () => {
      const bump = () =>
        updateWithCas<{ count: number }>(storage, 'counter', (cur) => ({ count: (cur?.count ?? 0) + 1 }), {
          maxAttempts: 200,
          backoff: noBackoff,
        });
      await Promise.all(Array.from({ length: 50 }, bump));
      expect((await readItem(storage, 'counter')).count).toBe(50);
    });

    it('keeps keys with odd characters apart and intact', async () => {
      const keys = [
        'conversations/19:abc@thread.tacv2/users/29:1xyz',
        'a:b',
        'A:B',
        'a%3Ab',
        '..',
        '.hidden',
        'con',
        'spaces and\ttabs',
        'ünïcødé/日本語/🚀',
        'x'.repeat(300),
        'back\\slash*?"<>|',
      ];
      await storage.write(Object.fromEntries(keys.map((k, i) => [k, { i, k }])));
      const got = await storage.read(keys);
      expect(Object.keys(got).sort()).toEqual([...keys].sort());
      keys.forEach((k, i) => expect(got[k]).toMatchObject({ i, k }));
    });

    it('lists the keys under a prefix, and moves an item aside (where the backend can)', async () => {
      if (!canListKeys(storage)) return; // botbuilder's own MemoryStorage cannot; ours (src/store/memory) can
      await storage.write({
        'approvals/active/REQ-1': { a: 1 },
        'approvals/active/REQ-2': { a: 2 },
        'approvals/activeX': { a: 3 },
        'approvals/req/REQ-1': { a: 4 },
      });
      await storage.delete(['approvals/active/REQ-2']);
      expect((await storage.listKeys('approvals/active/')).sort()).toEqual(['approvals/active/REQ-1']);
      if (!canMoveItems(storage)) return;
      await storage.moveAside('approvals/req/REQ-1', 'quarantine/REQ-1');
      expect(await storage.read(['approvals/req/REQ-1'])).toEqual({});
      expect(await storage.listKeys('quarantine/')).toEqual(['quarantine/REQ-1']);
    });
  });
}
