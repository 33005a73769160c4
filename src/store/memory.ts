import { MemoryStorage as BotbuilderMemoryStorage } from 'botbuilder-core';
import type { ItemMover, KeyLister } from './listing';

/** botbuilder's in-memory Storage, for tests and the simulator demo; same eTag rules as FileStorage, and it lists keys. */
export class MemoryStorage extends BotbuilderMemoryStorage implements KeyLister, ItemMover {
  async moveAside(key: string, toKey: string): Promise<void> {
    if (this.memory[key] === undefined) return;
    this.memory[toKey] = this.memory[key];
    delete this.memory[key];
  }

  async listKeys(prefix: string): Promise<string[]> {
    return Object.keys(this.memory).filter((k) => k.startsWith(prefix) && this.memory[k] !== undefined);
  }
}
