import { AuditLog } from '../../src/store/audit';
import { AzureBlobStorage, WriteOutcomeUnknownError, blobNameFor } from '../../src/store/blobStorage';
import { updateWithCas } from '../../src/store/cas';
import { isEtagConflict } from '../../src/store/errors';
import { StoredItemCorruptError } from '../../src/store/fileStorage';
import { type Azurite, startAzurite, uniqueContainer } from './azurite';
import { parseAs } from '../harness/json';
import { describeStorageContract, readItem } from './storageContract';

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite.stop();
});

async function freshStore(extra: Partial<Parameters<typeof AzureBlobStorage.open>[0]> = {}): Promise<AzureBlobStorage> {
  return AzureBlobStorage.open({ connectionString: azurite.connectionString, container: uniqueContainer(), ...extra });
}

describeStorageContract('AzureBlobStorage (Azurite)', async () => {
  const storage = await freshStore();
  return { storage, cleanup: async () => void (await storage.container.deleteIfExists()) };
});

describe('AzureBlobStorage', () => {
  it('creates its container when missing and opens an existing one', async () => {
    const container = uniqueContainer();
    const a = await AzureBlobStorage.open({ connectionString: azurite.connectionString, container });
    expect(await a.container.exists()).toBe(true);
    await a.write({ k: { v: 1 } });
    const b = await AzureBlobStorage.open({ connectionString: azurite.connectionString, container });
    expect((await readItem(b, 'k')).v).toBe(1);
  });

  it('stores one { key, item } JSON blob per key under a reversible, flat name', async () => {
    const storage = await freshStore();
    const key = 'conversations/19:abc@thread.tacv2/Users/..';
    await storage.write({ [key]: { v: 'ü' } });
    const names: string[] = [];
    for await (const b of storage.container.listBlobsFlat()) names.push(b.name);
    expect(names).toEqual([blobNameFor(key)]);
    expect(names[0]).toMatch(/^items\/(?:[a-z0-9_-]|%[0-9A-F]{2})+$/);
    expect(decodeURIComponent(names[0].slice('items/'.length))).toBe(key);
    const body = parseAs<{ key: string; item: Record<string, unknown> }>((await storage.container.getBlobClient(names[0]).downloadToBuffer()).toString('utf8'));
    expect(body).toMatchObject({ key, item: { v: 'ü' } });
    expect(body.item).not.toHaveProperty('eTag');
  });

  it('refuses a stale eTag with an error isEtagConflict recognises, even for a key written by another client', async () => {
    const container = uniqueContainer();
    const a = await AzureBlobStorage.open({ connectionString: azurite.connectionString, container });
    const b = await AzureBlobStorage.open({ connectionString: azurite.connectionString, container });
    await a.write({ k: { v: 1 } });
    const seen = await readItem(b, 'k');
    await a.write({ k: { v: 2, eTag: (await readItem(a, 'k')).eTag } });
    const err = await b.write({ k: { ...seen, v: 3 } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isEtagConflict(err)).toBe(true);
    expect((await readItem(a, 'k')).v).toBe(2);
  });

  it('reads back instead of resending when a write response is lost, so CAS applies a change once', async () => {
    let drop = 1;
    const storage = await freshStore({
      afterUpload: () => {
        if (drop-- > 0) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      },
    });
    await storage.write({ counter: { count: 0 } });
    drop = 1;
    await updateWithCas<{ count: number }>(storage, 'counter', (cur) => ({ count: (cur?.count ?? 0) + 1 }));
    expect((await readItem(storage, 'counter')).count).toBe(1);
  });

  it('a resend refused because our first attempt landed late is a success, not a conflict (CAS applies once)', async () => {
    const storage = await freshStore();
    await storage.write({ counter: { count: 0 } });
    type Upload = (key: string, body: Buffer, cond: unknown) => Promise<'ok' | 'conflict'>;
    const s = storage as unknown as { upload: Upload };
    const realUpload = s.upload.bind(storage);
    let delayed: Parameters<Upload> | undefined;
    let fault = true;
    // The first upload fails in transit without reaching the service (read-back finds nothing of ours, so
    // it is resent), then arrives just before the resend, which the precondition now refuses.
    s.upload = async (...args) => {
      if (fault) {
        fault = false;
        delayed = args;
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      }
      if (delayed) {
        const late = delayed;
        delayed = undefined;
        expect(await realUpload(...late)).toBe('ok');
      }
      return realUpload(...args);
    };
    await updateWithCas<{ count: number }>(storage, 'counter', (cur) => ({ count: (cur?.count ?? 0) + 1 }));
    expect(fault).toBe(false);
    expect((await readItem(storage, 'counter')).count).toBe(1);
  });

  it('reports a lost write it cannot settle as WriteOutcomeUnknownError, not as a conflict', async () => {
    const container = uniqueContainer();
    const other = await AzureBlobStorage.open({ connectionString: azurite.connectionString, container });
    const storage = await AzureBlobStorage.open({
      connectionString: azurite.connectionString,
      container,
      // After our upload lands, someone else overwrites it before we can read back.
      afterUpload: async () => {
        await other.write({ k: { v: 'theirs' } });
        throw new Error('socket hang up');
      },
    });
    await other.write({ k: { v: 0 } });
    const eTag = (await readItem(other, 'k')).eTag;
    const err = await storage.write({ k: { v: 'ours', eTag } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WriteOutcomeUnknownError);
    expect(isEtagConflict(err)).toBe(false);
  });

  it('refuses a blob holding another key (or not JSON) as corrupt rather than returning it', async () => {
    const storage = await freshStore();
    const put = (name: string, body: string) => storage.container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body));
    await put(blobNameFor('a'), JSON.stringify({ key: 'b', item: {} }));
    await put(blobNameFor('c'), 'not json');
    await expect(storage.read(['a'])).rejects.toBeInstanceOf(StoredItemCorruptError);
    await expect(storage.read(['c'])).rejects.toBeInstanceOf(StoredItemCorruptError);
  });

  it('needs a connection string or an account URL with a credential', async () => {
    await expect(AzureBlobStorage.open({ container: 'x-container' })).rejects.toThrow(/connectionString/);
  });

  it('keeps the append-only audit log working on blobs, including concurrent appends', async () => {
    const storage = await freshStore();
    const log = new AuditLog(storage, { chunkSize: 4 });
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => log.append({ actor: 'system', action: 'job.start', target: `a${i}`, outcome: 'ok', configuration: 'c1' })),
    );
    const last = await log.last(20);
    expect(last.map((r) => r.target).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `a${i}`).sort());
    const rec = last[0];
    await expect(log.appendRecord(rec)).rejects.toMatchObject({ code: 'AuditRewrite' });
  });
});
