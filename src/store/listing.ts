import type { Storage } from 'botbuilder-core';

/**
 * botbuilder's Storage cannot list keys. Our backends can (a directory, a blob container, a memory object), and
 * listing per-record keys is what lets a service find its own records without a hot shared index on the path of
 * every decision (an index is then a cache that can be repaired, never the only way to find a record).
 */
export interface KeyLister {
  /** Every stored key that starts with `prefix` (order unspecified). */
  listKeys(prefix: string): Promise<string[]>;
}

export type ListableStorage = Storage & KeyLister;

/** Moves a stored item's bytes, as they are (even unreadable), to another key: quarantine of a corrupt record. */
export interface ItemMover {
  moveAside(key: string, toKey: string): Promise<void>;
}

export function canMoveItems(storage: Storage): storage is Storage & ItemMover {
  return typeof (storage as Partial<ItemMover>).moveAside === 'function';
}

export function canListKeys(storage: Storage): storage is ListableStorage {
  return typeof (storage as Partial<KeyLister>).listKeys === 'function';
}
