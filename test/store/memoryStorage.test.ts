import { MemoryStorage } from '../../src/store/memory';
import { describeStorageContract } from './storageContract';

describeStorageContract('botbuilder MemoryStorage', () => Promise.resolve({ storage: new MemoryStorage() }));
