import type { Storage } from 'botbuilder-core';

/** A stored item without the store's eTag: the strict schemas reject keys they do not know. */
export function withoutEtag(item: Record<string, unknown>): Record<string, unknown> {
  const { eTag: _eTag, ...rest } = item;
  return rest;
}

/**
 * One item as `unknown` values for a schema to check (botbuilder types it `any`), without its eTag; undefined when
 * absent. Stored state is outside input too: callers parse it before they act on it.
 */
export async function readItem(storage: Storage, key: string): Promise<Record<string, unknown> | undefined> {
  const item = (await storage.read([key]))[key] as Record<string, unknown> | undefined | null;
  return item ? withoutEtag(item) : undefined;
}
