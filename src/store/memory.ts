/** botbuilder's in-memory Storage, for tests and the simulator demo; same eTag rules as FileStorage. */
export { MemoryStorage } from 'botbuilder-core';
