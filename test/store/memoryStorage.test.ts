import { MemoryStorage } from '../../src/store/memory';
import { describeStorageContract } from './storageContract';

describeStorageContract('botbuilder MemoryStorage', async () => ({ storage: new MemoryStorage() }));
