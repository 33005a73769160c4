import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileStorage } from '../../src/store/fileStorage';
import { describeStorageContract } from './storageContract';

describeStorageContract('FileStorage', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'filestore-contract-'));
  const storage = await FileStorage.open({ dir });
  return {
    storage,
    cleanup: async () => {
      await storage.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
});

describeStorageContract('FileStorage (shared mode)', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'filestore-contract-shared-'));
  const storage = await FileStorage.open({ dir, shared: true });
  return {
    storage,
    cleanup: async () => {
      await storage.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
});
