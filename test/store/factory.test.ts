import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { AzureBlobStorage } from '../../src/store/blobStorage';
import { BlobLeaseLeader } from '../../src/store/blobLeader';
import { openStorage, StorageConfigError } from '../../src/store/factory';
import { FileStorage } from '../../src/store/fileStorage';
import { SingleProcessLeader } from '../../src/store/leader';
import { StorageLockedError } from '../../src/store/errors';
import { type Azurite, startAzurite, uniqueContainer } from './azurite';
import { readItem } from './storageContract';

let azurite: Azurite;
let dataDir: string;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite.stop();
});
beforeEach(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'store-factory-'));
});
afterEach(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

describe('openStorage', () => {
  it('opens the data directory with a single-process leader when no blob options are given', async () => {
    const opened = await openStorage({ dataDir, instanceId: 'i1' });
    try {
      expect(opened.kind).toBe('file');
      expect(opened.storage).toBeInstanceOf(FileStorage);
      expect(opened.leader).toBeInstanceOf(SingleProcessLeader);
      await opened.storage.write({ k: { v: 1 } });
      await expect(openStorage({ dataDir, instanceId: 'i2' })).rejects.toBeInstanceOf(StorageLockedError);
    } finally {
      await opened.close();
    }
    // close() released the directory.
    const again = await openStorage({ dataDir, instanceId: 'i3' });
    expect((await readItem(again.storage, 'k')).v).toBe(1);
    await again.close();
  });

  it('opens a blob container with a lease leader, and two instances share state and elect one leader', async () => {
    const blob = { connectionString: azurite.connectionString, container: uniqueContainer('factory') };
    const a = await openStorage({ dataDir, instanceId: 'a', blob, lease: { leaseSeconds: 15 } });
    const b = await openStorage({ dataDir, instanceId: 'b', blob, lease: { leaseSeconds: 15 } });
    try {
      expect(a.kind).toBe('blob');
      expect(a.storage).toBeInstanceOf(AzureBlobStorage);
      expect(a.leader).toBeInstanceOf(BlobLeaseLeader);
      await a.storage.write({ shared: { by: 'a' } });
      expect((await readItem(b.storage, 'shared')).by).toBe('a');
      await a.leader.start();
      await b.leader.start();
      expect([a.leader.isLeader(), b.leader.isLeader()]).toEqual([true, false]);
      // The data directory is not touched in blob mode.
      expect(await fs.readdir(dataDir)).toEqual([]);
    } finally {
      await a.close();
      await b.close();
    }
    expect(a.leader.isLeader()).toBe(false);
  });

  it('uses the given credential with an account URL (no connection string)', async () => {
    const scopes: string[] = [];
    const credential: TokenCredential = {
      getToken: (scope): Promise<AccessToken> => {
        scopes.push(...(Array.isArray(scope) ? scope : [scope]));
        return Promise.reject(new Error('no token in tests'));
      },
    };
    // The bearer policy refuses http URLs before asking for a token, so use an https URL that is never reached.
    const opening = openStorage({
      dataDir,
      instanceId: 'a',
      credential,
      blob: { accountUrl: 'https://127.0.0.1:9/devstoreaccount1', container: 'c-cred' },
    });
    await expect(opening).rejects.toThrow(/no token in tests/);
    expect(scopes).toEqual(['https://storage.azure.com/.default']);
  });

  it('refuses blob options without exactly one of connection string and account URL', async () => {
    await expect(openStorage({ dataDir, instanceId: 'a', blob: { container: 'c-x' } })).rejects.toBeInstanceOf(StorageConfigError);
    await expect(
      openStorage({
        dataDir,
        instanceId: 'a',
        blob: { connectionString: azurite.connectionString, accountUrl: 'https://x.blob.core.windows.net', container: 'c-x' },
      }),
    ).rejects.toBeInstanceOf(StorageConfigError);
  });
});
