import { MemoryStorage as BotbuilderMemoryStorage } from 'botbuilder-core';
import type { ItemMover, KeyLister } from './listing';

/** botbuilder's in-memory Storage, for tests and the simulator demo; same eTag rules as FileStorage, and it lists keys. */
export class MemoryStorage extends BotbuilderMemoryStorage implements KeyLister, ItemMover {
  moveAside(key: string, toKey: string): Promise<void> {
    if (this.memory[key] !== undefined) {
      this.memory[toKey] = this.memory[key];
      delete this.memory[key];
    }
    return Promise.resolve();
  }

  listKeys(prefix: string): Promise<string[]> {
    return Promise.resolve(Object.keys(this.memory).filter((k) => k.startsWith(prefix) && this.memory[k] !== undefined));
  }
}
