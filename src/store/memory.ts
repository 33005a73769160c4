import { MemoryStorage as BotbuilderMemoryStorage } from 'botbuilder-core';
import type { KeyLister } from './listing';

/** botbuilder's in-memory Storage, for tests and the simulator demo; same eTag rules as FileStorage, and it lists keys. */
export class MemoryStorage extends BotbuilderMemoryStorage implements KeyLister {
  async listKeys(prefix: string): Promise<string[]> {
    return Object.keys(this.memory).filter((k) => k.startsWith(prefix) && this.memory[k] !== undefined);
  }
}
