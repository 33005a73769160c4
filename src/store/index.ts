/** The store's public surface: what the composition root and services import. */
/** The Bot Framework storage interface every backend implements; services take it from here, not from botbuilder. */
export type { Storage, StoreItem, StoreItems } from 'botbuilder-core';
export { FileStorage, StoredItemCorruptError, type FileStorageOptions } from './fileStorage';
export { updateWithCas, updateWithCasDetailed, createIfAbsent, ABSENT_ETAG, type CasDecision, type CasOptions, type CasResult } from './cas';
export { BatchedWriter } from './batchedWriter';
export { EtagConflictError, StorageLockedError, CasExhaustedError, isEtagConflict } from './errors';
export {
  AuditLog,
  AuditRewriteError,
  auditRecordSchema,
  AUDIT_SCHEMA_VERSION,
  type AuditRecord,
  type AuditInput,
  type AuditActor,
  type AuditFilter,
  type AuditLogOptions,
} from './audit';
export { SingleProcessLeader, type LeaderElection } from './leader';
export { AzureBlobStorage, WriteOutcomeUnknownError, type BlobStorageOptions } from './blobStorage';
export { BlobLeaseLeader, InvalidLeaseDurationError, type BlobLeaseLeaderOptions, type LeaderInfo } from './blobLeader';
export { openStorage, StorageConfigError, type OpenStorageOptions, type OpenedStorage } from './factory';
export { readItem, withoutEtag } from './items';
export { canListKeys, canMoveItems, type ItemMover, type KeyLister, type ListableStorage } from './listing';
