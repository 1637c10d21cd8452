/**
 * A Store is durable, ordered key-value storage split into namespaces, with atomic batches. It knows nothing about
 * messages: the pipeline decides what goes where (see `NAMESPACES`).
 *
 * Keys are strings compared as UTF-16 code units (plain JavaScript `<`), which for the ASCII keys the pipeline uses is
 * byte order. Values are bytes.
 */
export interface Store {
  /** What this store is (for logs, the CLI and the conformance suite). */
  readonly kind: string;
  /** True when a resolved `batch` survives a crash of this process (and, for disk stores, of the machine). */
  readonly durable: boolean;

  /**
   * Opens the store and takes its lock. Resolves once reads and writes may start. Rejects with STORE_LOCKED (naming
   * the holder) when another live process holds the store, STORE_VERSION when the data was written by an unknown
   * layout version. Calling it on an open store is a no-op.
   */
  open(): Promise<void>;

  /** The value under `key`, or undefined. Reflects every batch that has resolved. */
  get(namespace: string, key: string): Promise<Buffer | undefined>;

  /**
   * Optional: the values under several keys of one namespace, in the order asked (undefined where missing), read in
   * one round trip. Same visibility as `get`. The pipeline uses it to check a whole received batch for duplicates;
   * without it, it falls back to one `get` per key (see `getMany` in this file).
   */
  getMany?(namespace: string, keys: readonly string[]): Promise<(Buffer | undefined)[]>;

  /**
   * Applies every operation or none, in order. Resolves once the whole batch is as durable as `options.durability`
   * asks: 'sync' (the default) — on disk and fsync'd, it survives a power cut; 'relaxed' — handed to the operating
   * system, it survives a crash or SIGKILL of this process but may be lost with the machine (stores without the
   * distinction treat both alike). Concurrent calls may be committed together (group commit) but each resolves only
   * when its own operations are as durable as it asked. Calls are applied in the order they were made. The store
   * takes what it needs of each value before `batch` returns: the caller may reuse or overwrite its buffers at once,
   * and a buffer that is a view into a larger one is not kept. Rejects with STORE_CLOSED after close, STORE_IO when
   * the medium fails (nothing applied).
   */
  batch(operations: readonly StoreOperation[], options?: BatchOptions): Promise<void>;

  /**
   * Entries of one namespace in ascending key order (descending with `reverse`), within the optional bounds. Sees
   * at least every batch that resolved before the call. Stopping the iteration early (break) releases it.
   */
  entries(namespace: string, range?: StoreRange): AsyncIterable<StoreEntry>;

  /** Number of keys in a namespace. May scan: meant for status and tests, not hot paths. */
  count(namespace: string): Promise<number>;

  /** Namespaces that hold at least one key. */
  namespaces(): Promise<string[]>;

  /**
   * Waits for batches already accepted, then releases the lock and the medium. Batches after close reject with
   * STORE_CLOSED. Safe to call twice.
   */
  close(): Promise<void>;
}

export interface BatchOptions {
  /**
   * 'sync' for writes a promise to the user depends on (a resolved publish, an acknowledged receive); 'relaxed' for
   * bookkeeping whose loss in a power cut only causes a redelivery that dedupe or at-least-once semantics absorb
   * (removing acknowledged outbox entries, completing handled messages). Default 'sync'.
   */
  durability?: 'sync' | 'relaxed';
}

export type StoreOperation =
  | { type: 'put'; namespace: string; key: string; value: Uint8Array }
  | { type: 'del'; namespace: string; key: string };

export interface StoreEntry {
  key: string;
  value: Buffer;
}

export interface StoreRange {
  /** Only keys strictly greater than this. */
  gt?: string;
  /** Only keys greater than or equal to this. */
  gte?: string;
  /** Only keys strictly less than this. */
  lt?: string;
  /** Only keys less than or equal to this. */
  lte?: string;
  /** At most this many entries. */
  limit?: number;
  reverse?: boolean;
}

/** The namespaces the pipeline writes. Other packages (Titanic, for one) add their own. */
export const NAMESPACES = {
  /** One entry per pending delivery, keyed `<destination>\0<message id>`: removed when the delivery is acked. */
  outbox: 'outbox',
  /** Received, acknowledged, not yet handled messages, keyed by message id. */
  inbox: 'inbox',
  /** Ids of handled messages inside the retention window, so a redelivery does not run handlers twice. */
  dedupe: 'dedupe',
  /** Who subscribed to what on a publisher-routed transport, keyed `<topic>\0<subscriber address>`. */
  subscriptions: 'subscriptions',
  /** Messages whose handlers gave up, with the last error, keyed by message id. */
  dead: 'dead',
  /** Bytes that could not be decoded, kept so nothing is lost silently. */
  corrupt: 'corrupt',
  /** Store bookkeeping: layout version and the like. */
  meta: 'meta',
} as const;

/** Namespace names: letters, digits, dot, dash, underscore. */
export const NAMESPACE_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export function putOp(namespace: string, key: string, value: Uint8Array): StoreOperation {
  return { type: 'put', namespace, key, value };
}

export function delOp(namespace: string, key: string): StoreOperation {
  return { type: 'del', namespace, key };
}

/** True when `key` lies inside `range`'s bounds (limit and reverse aside). Shared by stores that filter in memory. */
export function inRange(key: string, range: StoreRange): boolean {
  if (range.gt !== undefined && !(key > range.gt)) return false;
  if (range.gte !== undefined && !(key >= range.gte)) return false;
  if (range.lt !== undefined && !(key < range.lt)) return false;
  if (range.lte !== undefined && !(key <= range.lte)) return false;
  return true;
}

/** `store.getMany` when the store has it, one `get` per key otherwise. */
export function getMany(store: Store, namespace: string, keys: readonly string[]): Promise<(Buffer | undefined)[]> {
  if (keys.length === 0) return Promise.resolve([]);
  return store.getMany ? store.getMany(namespace, keys) : Promise.all(keys.map((key) => store.get(namespace, key)));
}
