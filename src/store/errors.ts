/**
 * Typed storage errors, and one predicate that recognises a lost compare-and-swap from every backend we
 * use, so services handle "someone else wrote first" the same way whatever Storage is plugged in.
 */

export class EtagConflictError extends Error {
  /** Stable across duplicate module copies, where `instanceof` fails. */
  readonly code = 'EtagConflict' as const;
  constructor(readonly key: string) {
    super(`Storage: eTag conflict writing "${key}": it was changed by someone else`);
    this.name = 'EtagConflictError';
  }
}

/** The data directory is held by another process (or is unusable). The message names directory and pid. */
export class StorageLockedError extends Error {
  readonly code = 'StorageLocked' as const;
  constructor(
    readonly dir: string,
    readonly holderPid: number | undefined,
    detail: string,
  ) {
    super(detail);
    this.name = 'StorageLockedError';
  }
}

/** updateWithCas lost the race more times than allowed. */
export class CasExhaustedError extends Error {
  readonly code = 'CasExhausted' as const;
  constructor(
    readonly key: string,
    readonly attempts: number,
  ) {
    super(`Storage: gave up updating "${key}" after ${attempts} eTag conflicts`);
    this.name = 'CasExhaustedError';
  }
}

/**
 * True for a precondition failure from:
 *  - FileStorage (EtagConflictError, or anything carrying code 'EtagConflict');
 *  - botbuilder MemoryStorage, which rejects with a plain Error "Storage: error writing "<key>" due to eTag conflict.";
 *  - BlobsStorage / @azure/storage-blob, which surfaces the service's RestError unchanged:
 *    HTTP 412 (code ConditionNotMet) for If-Match, 409 BlobAlreadyExists for If-None-Match: *;
 *  - CosmosDbPartitionedStorage (HTTP 412 in `code`).
 */
export function isEtagConflict(err: unknown): boolean {
  if (err instanceof EtagConflictError) return true;
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; statusCode?: unknown; status?: unknown; message?: unknown };
  if (e.code === 'EtagConflict' || e.code === 'ConditionNotMet' || e.code === 'BlobAlreadyExists') return true;
  if (e.statusCode === 412 || e.status === 412 || e.code === 412) return true;
  return typeof e.message === 'string' && /due to eTag conflict/i.test(e.message);
}
