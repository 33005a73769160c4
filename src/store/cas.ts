import type { Storage, StoreItem } from 'botbuilder-core';
import { CasExhaustedError, isEtagConflict } from './errors';
import { withoutEtag } from './items';

/**
 * The one way records change: read, decide with a pure function, write back with the eTag that was read;
 * if someone else wrote first, re-read and decide again — never overwrite.
 *
 * Creating: when the key is absent the write carries ABSENT_ETAG, an eTag no backend ever issues. Under
 * botbuilder's Storage semantics (MemoryStorage, FileStorage) an eTag'd write to a missing key succeeds and
 * to an existing key must match; so this write means "create only if still absent", and two racing
 * creators cannot both win. (A backend that rejects an eTag'd write to a missing key, e.g. Azure Blob with
 * If-Match, needs to map this eTag to If-None-Match: * — see the contract suite.)
 *
 * `decide` gets a copy of the current value without its eTag (or undefined) and returns:
 *  - the next value  → written; returned after commit (without eTag: Storage.write does not report it);
 *  - 'abort' or undefined → nothing written; the current value is returned.
 */
export const ABSENT_ETAG = 'cas:create-only:absent';

export type CasDecision<T> = T | undefined | 'abort';

export interface CasOptions {
  /** Conflicts tolerated before CasExhaustedError. Default 20. */
  maxAttempts?: number;
  /** Pause between attempts (jittered); tests may pass a no-op. Default: random 0..(2 ms × attempt), max 50 ms. */
  backoff?: (attempt: number) => Promise<void>;
  /**
   * The item as the caller already read it, with its eTag: the first attempt decides on it instead of reading the key
   * again. Safe however old it is — a stale eTag only costs a conflict and a fresh read.
   */
  alreadyRead?: StoreItem;
}

export interface CasResult<T> {
  outcome: 'committed' | 'unchanged';
  /** The committed value, or the current one when nothing was written. */
  item: T | undefined;
  /** Reads made, 1 when there was no conflict. */
  attempts: number;
}

const defaultBackoff = (attempt: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * attempt)));

export async function updateWithCasDetailed<T extends object>(
  storage: Storage,
  key: string,
  decide: (current: T | undefined) => CasDecision<T>,
  options: CasOptions = {},
): Promise<CasResult<T>> {
  const maxAttempts = options.maxAttempts ?? 20;
  const backoff = options.backoff ?? defaultBackoff;
  for (let attempt = 1; ; attempt++) {
    const stored = attempt === 1 && options.alreadyRead?.eTag ? options.alreadyRead : ((await storage.read([key]))[key] as StoreItem | undefined);
    const current = stored ? (withoutEtag(stored) as T) : undefined;
    const next = decide(current === undefined ? undefined : structuredClone(current));
    if (next === 'abort' || next === undefined) return { outcome: 'unchanged', item: current, attempts: attempt };
    const value = withoutEtag(next as StoreItem) as T;
    try {
      await storage.write({ [key]: { ...value, eTag: stored?.eTag ?? ABSENT_ETAG } });
      return { outcome: 'committed', item: value, attempts: attempt };
    } catch (err) {
      if (!isEtagConflict(err)) throw err;
      if (attempt >= maxAttempts) throw new CasExhaustedError(key, attempt);
      await backoff(attempt);
    }
  }
}

/** updateWithCasDetailed, returning only the resulting value. */
export async function updateWithCas<T extends object>(
  storage: Storage,
  key: string,
  decide: (current: T | undefined) => CasDecision<T>,
  options?: CasOptions,
): Promise<T | undefined> {
  return (await updateWithCasDetailed(storage, key, decide, options)).item;
}

/** Writes `value` only if `key` is still absent; false (nothing written) if it exists. */
export async function createIfAbsent<T extends object>(storage: Storage, key: string, value: T): Promise<boolean> {
  try {
    await storage.write({ [key]: { ...withoutEtag(value as StoreItem), eTag: ABSENT_ETAG } });
    return true;
  } catch (err) {
    if (isEtagConflict(err)) return false;
    throw err;
  }
}
