import type { Storage } from 'botbuilder-core';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { AzureBlobStorage } from './blobStorage';
import { BlobLeaseLeader, type BlobLeaseLeaderOptions } from './blobLeader';
import { FileStorage } from './fileStorage';
import { SingleProcessLeader, type LeaderElection } from './leader';

/**
 * The one place that picks a backend: a data directory (FileStorage + SingleProcessLeader, one process)
 * by default, or an Azure Blob container (AzureBlobStorage + BlobLeaseLeader, any number of instances)
 * when blob options are given. The leader is returned unstarted: the composition root starts it once the
 * work it gates is wired, and close() stops it (releasing the lease) before closing the store.
 */
export interface OpenStorageOptions {
  dataDir: string;
  blob?: { connectionString?: string; accountUrl?: string; container: string };
  /** Names this instance in the leader record (e.g. hostname + pid). */
  instanceId: string;
  /** For accountUrl; default DefaultAzureCredential (managed identity in Azure, developer login locally). */
  credential?: TokenCredential;
  /** Lease tuning (tests, or a slower failover on purpose). */
  lease?: Pick<BlobLeaseLeaderOptions, 'leaseSeconds' | 'renewEveryMs' | 'retryEveryMs' | 'clock' | 'onError'>;
}

export interface OpenedStorage {
  storage: Storage;
  leader: LeaderElection;
  kind: 'file' | 'blob';
  close(): Promise<void>;
}

export class StorageConfigError extends Error {
  readonly code = 'StorageConfig' as const;
  constructor(message: string) {
    super(message);
    this.name = 'StorageConfigError';
  }
}

export async function openStorage(options: OpenStorageOptions): Promise<OpenedStorage> {
  if (!options.blob) {
    const storage = await FileStorage.open({ dir: options.dataDir });
    const leader = new SingleProcessLeader();
    return {
      storage,
      leader,
      kind: 'file',
      close: async () => {
        await leader.stop();
        await storage.close();
      },
    };
  }

  const { connectionString, accountUrl, container } = options.blob;
  if (!connectionString && !accountUrl) {
    throw new StorageConfigError('Blob storage needs a connection string or an account URL');
  }
  if (connectionString && accountUrl) {
    throw new StorageConfigError('Give blob storage a connection string or an account URL, not both');
  }
  const storage = await AzureBlobStorage.open({
    container,
    connectionString,
    accountUrl,
    credential: connectionString ? undefined : (options.credential ?? new DefaultAzureCredential()),
  });
  const leader = new BlobLeaseLeader({ ...options.lease, container: storage.container, instanceId: options.instanceId });
  return {
    storage,
    leader,
    kind: 'blob',
    close: () => leader.stop(),
  };
}
