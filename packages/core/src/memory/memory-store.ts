import { ResoluteError } from '../errors.js';
import { inRange, NAMESPACE_PATTERN, type BatchOptions, type Store, type StoreEntry, type StoreOperation, type StoreRange } from '../store.js';

export interface MemoryStoreOptions {
  /**
   * Two MemoryStore instances given the same `space` share their data, like two opens of one directory: it lets tests
   * close and reopen a store and see what survived, and shows the lock at work. Without it each store is private.
   */
  space?: MemorySpace;
}

/** The data behind one or more MemoryStore instances; outlives them (but not the process). */
export class MemorySpace {
  readonly data = new Map<string, Map<string, Buffer>>();
  holder: MemoryStore | undefined;
}

/**
 * The reference Store: sorted in-memory maps. Not durable across processes (`durable: false`), but it keeps every
 * other promise of the contract, so the pipeline and the conformance suite can be checked without a disk.
 */
export class MemoryStore implements Store {
  readonly kind = 'memory';
  readonly durable = false;
  private readonly space: MemorySpace;
  private state: 'new' | 'open' | 'closed' = 'new';

  constructor(options: MemoryStoreOptions = {}) {
    this.space = options.space ?? new MemorySpace();
  }

  open(): Promise<void> {
    if (this.state === 'open') return Promise.resolve();
    if (this.space.holder !== undefined && this.space.holder !== this) {
      return Promise.reject(
        new ResoluteError('STORE_LOCKED', 'memory store is already open by another instance: close that one first'),
      );
    }
    this.space.holder = this;
    this.state = 'open';
    return Promise.resolve();
  }

  get(namespace: string, key: string): Promise<Buffer | undefined> {
    this.assertOpen();
    const value = this.space.data.get(namespace)?.get(key);
    return Promise.resolve(value === undefined ? undefined : Buffer.from(value));
  }

  getMany(namespace: string, keys: readonly string[]): Promise<(Buffer | undefined)[]> {
    this.assertOpen();
    const ns = this.space.data.get(namespace);
    return Promise.resolve(keys.map((key) => {
      const value = ns?.get(key);
      return value === undefined ? undefined : Buffer.from(value);
    }));
  }

  batch(operations: readonly StoreOperation[], _options?: BatchOptions): Promise<void> {
    try {
      this.assertOpen();
      for (const op of operations) checkNamespace(op.namespace);
    } catch (error) {
      return Promise.reject(error);
    }
    for (const op of operations) {
      let ns = this.space.data.get(op.namespace);
      if (op.type === 'put') {
        if (ns === undefined) this.space.data.set(op.namespace, (ns = new Map<string, Buffer>()));
        ns.set(op.key, Buffer.from(op.value));
      } else {
        ns?.delete(op.key);
      }
    }
    return Promise.resolve();
  }

  async *entries(namespace: string, range: StoreRange = {}): AsyncIterable<StoreEntry> {
    this.assertOpen();
    const ns = this.space.data.get(namespace);
    if (ns === undefined) return;
    // A snapshot of the matching keys: writes during the iteration do not disturb it.
    const keys = [...ns.keys()].filter((key) => inRange(key, range)).sort();
    if (range.reverse) keys.reverse();
    const limit = range.limit ?? Infinity;
    let yielded = 0;
    for (const key of keys) {
      if (yielded >= limit) return;
      const value = ns.get(key);
      if (value === undefined) continue;
      yielded++;
      yield { key, value: Buffer.from(value) };
    }
  }

  count(namespace: string): Promise<number> {
    this.assertOpen();
    return Promise.resolve(this.space.data.get(namespace)?.size ?? 0);
  }

  namespaces(): Promise<string[]> {
    this.assertOpen();
    return Promise.resolve([...this.space.data.entries()].filter(([, ns]) => ns.size > 0).map(([name]) => name).sort());
  }

  close(): Promise<void> {
    if (this.state === 'open' && this.space.holder === this) this.space.holder = undefined;
    this.state = 'closed';
    return Promise.resolve();
  }

  private assertOpen(): void {
    if (this.state !== 'open') {
      throw new ResoluteError('STORE_CLOSED', `memory store is ${this.state === 'new' ? 'not open yet: call open()' : 'closed'}`);
    }
  }
}

function checkNamespace(namespace: string): void {
  if (!NAMESPACE_PATTERN.test(namespace)) {
    throw new ResoluteError('INVALID_ARGUMENT', `namespace ${JSON.stringify(namespace)} must match ${NAMESPACE_PATTERN}`);
  }
}
