import { MemorySpace, MemoryStore } from '../src/memory/memory-store.js';
import { describeStoreConformance } from '../src/testing/store-suite.js';

// Instances given one MemorySpace share its data, like two opens of one directory: reopen and the lock run too.
describeStoreConformance('MemoryStore', {
  create() {
    const space = new MemorySpace();
    return Promise.resolve({ instance: () => new MemoryStore({ space }), cleanup: () => Promise.resolve() });
  },
});
