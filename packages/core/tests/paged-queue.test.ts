import { describe, expect, it } from 'vitest';
import { PagedQueue } from '../src/bus/paged-queue.js';
import { delOp, MemoryStore, putOp, type Store, type StoreEntry, type StoreRange } from '../src/index.js';

/**
 * A store whose entries() reads from a snapshot taken when the iteration starts, as LevelDB's iterators do (the Store
 * contract allows it: an iteration sees at least the batches that resolved before it), and that pauses after each
 * entry so a test can act in the middle of a page.
 */
function snapshotStore(inner: MemoryStore, afterEach: (key: string) => Promise<void>): Store {
  return Object.assign(Object.create(inner) as Store, {
    async *entries(namespace: string, range?: StoreRange): AsyncIterable<StoreEntry> {
      const snapshot: StoreEntry[] = [];
      for await (const entry of inner.entries(namespace, range)) snapshot.push(entry);
      for (const entry of snapshot) {
        yield entry;
        await afterEach(entry.key);
      }
    },
  });
}

describe('PagedQueue', () => {
  it('does not load again a key released (done and deleted) while a page that still sees it is being read', async () => {
    const inner = new MemoryStore();
    await inner.open();
    await inner.batch(['a', 'b', 'c'].map((k) => putOp('q', k, Buffer.from(k))));
    let onEntry = (_key: string): Promise<void> => Promise.resolve();
    const queue = new PagedQueue<string>({
      store: snapshotStore(inner, (key) => onEntry(key)),
      namespace: 'q',
      gte: '',
      lt: '\uffff',
      capacity: 10,
      decode: (entry) => entry.value.toString(),
    });
    await queue.fill();
    const taken = queue.take(3).map((i) => i.key);
    expect(taken).toEqual(['a', 'b', 'c']);
    // A re-read of the slice (as after an offer during a load) while 'c' is handled: it completes after the page's
    // snapshot was taken but before the page reaches it.
    queue.rewind();
    onEntry = async (key) => {
      if (key !== 'a') return;
      await inner.batch([delOp('q', 'c')]);
      queue.release('c');
    };
    await queue.fill();
    expect(queue.take(10).map((i) => i.key)).toEqual([]);
    expect(queue.has('c')).toBe(false);
  });

  it('reads a released key again after a rewind made while a page was loading (a parked message whose handler came)', async () => {
    const inner = new MemoryStore();
    await inner.open();
    await inner.batch(['a', 'b'].map((k) => putOp('q', k, Buffer.from(k))));
    let onEntry = (_key: string): Promise<void> => Promise.resolve();
    const queue = new PagedQueue<string>({
      store: snapshotStore(inner, (key) => onEntry(key)),
      namespace: 'q',
      gte: '',
      lt: '\uffff',
      capacity: 10,
      decode: (entry) => entry.value.toString(),
    });
    await queue.fill();
    expect(queue.take(2).map((i) => i.key)).toEqual(['a', 'b']);
    queue.rewind();
    onEntry = (key) => {
      if (key === 'a') {
        queue.release('b'); // parked: forgotten in memory, still in the store
        queue.rewind(); // its handler registers
      }
      return Promise.resolve();
    };
    await queue.fill();
    onEntry = () => Promise.resolve();
    expect(queue.wantsFill).toBe(true);
    await queue.fill();
    expect(queue.take(10).map((i) => i.key)).toEqual(['b']);
  });
});
