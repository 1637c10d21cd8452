import { type BatchOptions, type Logger, ResoluteError, type Store, type StoreEntry, type StoreOperation, type StoreRange } from '@resolute/core';
import { enforceDurability, probeDurability } from '../connection/durability.js';
import { LuaScript } from '../connection/lua-script.js';
import { mapRedisError } from '../connection/map-redis-error.js';
import { RedisConnection, type RedisClient } from '../connection/redis-connection.js';
import type { RedisConnectionOptions } from '../connection/redis-options.js';
import { BatchQueue } from './batch-queue.js';
import { type EncodedBatch, encodeBatch } from './batch-records.js';
import { applyBatch, type BatchTarget } from './batch-script.js';
import { describeStore, unlockCommand } from './describe-store.js';
import { checkKey, checkNamespace, decodeKey, exclusive, keyArgument, lexRange } from './key-codec.js';
import { checkLayout } from './layout-version.js';
import { ReadQueue } from './read-queue.js';
import { type RedisStoreOptions, type RedisStoreSettings, resolveRedisStoreOptions } from './redis-store-options.js';
import { StoreKeys } from './store-keys.js';
import { inspectStoreLock, type LockSite, type RedisLockReport, removeStoreLock, StoreLock } from './store-lock.js';

const RANGE = new LuaScript('store-range-2', 2);
/** A page of entries() also ends once its values hold this many bytes, so a page of large values stays bounded. */
const PAGE_BYTES = 4 * 1024 * 1024;

interface OpenState {
  readonly connection: RedisConnection;
  readonly client: RedisClient;
  readonly reads: ReadQueue;
  readonly keys: StoreKeys;
  readonly lock: StoreLock | undefined;
  /** Where sync and relaxed batches go (made once: every batch uses one); none when opened readOnly. */
  readonly targets: { readonly sync: BatchTarget; readonly relaxed: BatchTarget } | undefined;
}

/**
 * A Store on Redis: one instance, shards, Sentinel or a Cluster. Per namespace a sorted set of keys (every score 0,
 * so ZRANGEBYLEX gives ordered ranges) and a hash of values; a set lists the namespaces that hold keys. A batch is
 * one Lua script, atomic and in call order (see batch-script.ts); a lock keeps one process per store name (see
 * store-lock.ts); the layout is versioned in the meta namespace. Keys are stored so that Redis's byte order is the
 * Store contract's UTF-16 order (see key-codec.ts).
 *
 * `durable` is known after open(): true only when the server fsyncs each write before answering (durability.ts).
 *
 * Errors: STORE_CLOSED when not open; INVALID_ARGUMENT for bad operations (nothing sent); STORE_LOCKED when another
 * instance holds the lock; STORE_CORRUPT when something else wrote under the store's keys. Redis and network
 * failures keep the code mapRedisError gives them (one mapping for the whole package) instead of all becoming
 * STORE_IO, because they say different things to the caller: UNREACHABLE (not sent: nothing applied), CONNECTION_LOST
 * (sent, answer lost: the batch may or may not have been applied — a batch is atomic, so wholly or not at all),
 * BACKPRESSURE (Redis out of memory: nothing applied), STORE_IO (Redis cannot write its disk: nothing applied).
 * All of them are retryable.
 */
export class RedisStore implements Store {
  readonly kind = 'redis';
  readonly name: string;
  private readonly settings: RedisStoreSettings;
  private readonly logger: Logger;
  private readonly shared: RedisConnection | undefined;
  private readonly connectionOptions: RedisConnectionOptions;
  private readonly where: string;
  private isDurable = false;
  private batches: { readonly state: OpenState; readonly queue: BatchQueue } | undefined;
  private state: 'new' | 'opening' | 'open' | 'closing' | 'closed' = 'new';
  private current: OpenState | undefined;
  private opening: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  /** Validates the options (INVALID_CONFIG naming the field); connects to nothing until open(). */
  constructor(options: RedisStoreOptions) {
    const resolved = resolveRedisStoreOptions(options);
    this.settings = resolved.settings;
    this.name = resolved.settings.name;
    this.logger = resolved.logger;
    this.shared = resolved.connection;
    this.connectionOptions = resolved.connection?.options ?? resolved.connectionOptions!;
    this.where = describeStore(this.name, this.connectionOptions);
  }

  /** True once open() found every server persisting each write before answering (appendonly yes, appendfsync always, aof-load-truncated no). */
  get durable(): boolean {
    return this.isDurable;
  }

  /** Which store on which deployment, passwords hidden: for logs and tools. */
  get location(): string {
    return this.where;
  }

  open(): Promise<void> {
    if (this.state === 'open') return Promise.resolve();
    if (this.state === 'opening' && this.opening) return this.opening;
    if (this.state === 'closing' && this.closing) return this.closing.then(() => this.open());
    this.state = 'opening';
    this.opening = this.doOpen().then(
      (opened) => {
        this.current = opened;
        this.state = 'open';
      },
      (error: unknown) => {
        this.state = 'closed';
        throw error;
      },
    );
    return this.opening;
  }

  async get(namespace: string, key: string): Promise<Buffer | undefined> {
    const { reads, keys } = this.openState();
    checkNamespace(namespace);
    checkKey(key);
    try {
      return (await reads.hmget([keys.hash(namespace), keyArgument(key)]))[0] ?? undefined;
    } catch (error) {
      throw mapRedisError(error, `get from ${this.where}`);
    }
  }

  /** See Store.getMany: one HMGET (sent with the other reads of this turn, read-queue.ts). */
  async getMany(namespace: string, keys: readonly string[]): Promise<(Buffer | undefined)[]> {
    const state = this.openState();
    checkNamespace(namespace);
    for (const key of keys) checkKey(key);
    if (keys.length === 0) return [];
    try {
      const fields: Array<string | Buffer> = [state.keys.hash(namespace)];
      for (const key of keys) fields.push(keyArgument(key));
      const values = await state.reads.hmget(fields);
      for (let i = 0; i < values.length; i++) if (values[i] === null) (values as Array<Buffer | undefined>)[i] = undefined;
      return values as Array<Buffer | undefined>;
    } catch (error) {
      throw mapRedisError(error, `getMany from ${this.where}`);
    }
  }

  /**
   * See Store.batch. Also refuses (INVALID_ARGUMENT) writes to the layout keys in 'meta'. Each call is sent at once
   * as one script; Redis applies calls in the order they arrive on the store's one connection and fsyncs every
   * write of one event-loop turn together, so concurrent calls share fsyncs without waiting for each other here.
   * How durable a write is on the server is its setting (see `durable`); with the connection's `replicas`, a 'sync'
   * batch also waits until that many replicas have it (TIMEOUT, retryable, if they do not confirm in time), while a
   * 'relaxed' one does not (its loss in a failover only causes a redelivery).
   */
  batch(operations: readonly StoreOperation[], options: BatchOptions = {}): Promise<void> {
    let state: OpenState;
    let encoded: EncodedBatch;
    try {
      state = this.openState();
      if (this.settings.readOnly) throw readOnlyError(this.where);
      encoded = encodeBatch(operations);
    } catch (error) {
      return Promise.reject(error);
    }
    if (encoded.size === 0) return Promise.resolve();
    // Through the group commit: batches made while one is in flight go together as the next call (batch-queue.ts).
    // One queue per opening: batches accepted before close() still go out on the connection they were accepted on,
    // and close() waits for that queue to empty.
    if (this.batches?.state !== state) this.batches = { state, queue: new BatchQueue((merged, relaxed) => this.write(state, merged, relaxed)) };
    return this.batches.queue.submit(encoded, options.durability === 'relaxed');
  }

  async *entries(namespace: string, range: StoreRange = {}): AsyncIterable<StoreEntry> {
    const { client, keys } = this.openState();
    checkNamespace(namespace);
    const bounds = lexRange(range);
    const { reverse } = bounds;
    let { min, max } = bounds;
    let remaining = bounds.limit;
    const zset = keys.zset(namespace);
    const hash = keys.hash(namespace);
    while (remaining > 0) {
      const count = Math.min(this.settings.pageSize, remaining);
      let reply: [number, ...Buffer[]];
      try {
        reply = (await RANGE.runBuffer(client, [zset, hash], [min, max, reverse ? '1' : '0', count, PAGE_BYTES])) as [number, ...Buffer[]];
      } catch (error) {
        throw mapRedisError(error, `entries of ${this.where}`);
      }
      let last: Buffer | undefined;
      for (let i = 1; i + 1 < reply.length; i += 2) {
        last = reply[i] as Buffer;
        remaining--;
        yield { key: decodeKey(last), value: reply[i + 1] as Buffer };
      }
      if (reply[0] !== 1 || last === undefined) return;
      if (reverse) max = exclusive(last);
      else min = exclusive(last);
    }
  }

  /** ZCARD: constant time. */
  async count(namespace: string): Promise<number> {
    const { client, keys } = this.openState();
    checkNamespace(namespace);
    try {
      return await client.zcard(keys.zset(namespace));
    } catch (error) {
      throw mapRedisError(error, `count of ${this.where}`);
    }
  }

  async namespaces(): Promise<string[]> {
    const { client, keys } = this.openState();
    try {
      return (await client.smembers(keys.namespaces)).sort();
    } catch (error) {
      throw mapRedisError(error, `namespaces of ${this.where}`);
    }
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    if (this.state === 'new' || this.state === 'closed') {
      this.state = 'closed';
      return Promise.resolve();
    }
    const opening = this.opening ?? Promise.resolve();
    this.closing = opening
      .catch(() => undefined)
      .then(async () => {
        if (this.state !== 'open') return; // the open failed: it released what it took
        this.state = 'closing';
        const opened = this.current;
        if (this.batches !== undefined && this.batches.state === opened) await this.batches.queue.idle();
        this.current = undefined;
        await opened?.lock?.release();
        if (opened !== undefined && this.shared === undefined) await opened.connection.close();
      })
      .finally(() => {
        this.state = 'closed';
        this.closing = undefined;
        this.opening = undefined;
      });
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Who holds this store's lock, open or not (for `resolute status` and `unlock`). Opens a connection of its own
   * for the question when the store has none.
   */
  inspectLock(): Promise<RedisLockReport> {
    return this.withClient(async (client, site) => {
      try {
        return await inspectStoreLock(client, site.key);
      } catch (error) {
        throw mapRedisError(error, `reading the lock of ${this.where}`);
      }
    });
  }

  /**
   * Removes a lock left by a holder that is gone (for `resolute unlock`). Without `force` it refuses (STORE_LOCKED)
   * a holder that is alive, on another host, or unreadable. An alive holder whose lock was forced away stops
   * writing at its next batch (STORE_LOCKED) only if someone else took the lock meanwhile; otherwise it takes its
   * lock again at its next renewal or batch.
   */
  removeLock(options: { force?: boolean } = {}): Promise<{ removed: boolean; before: RedisLockReport }> {
    return this.withClient(async (client, site) => {
      try {
        return await removeStoreLock(client, site, options.force === true);
      } catch (error) {
        throw mapRedisError(error, `removing the lock of ${this.where}`);
      }
    });
  }

  private async doOpen(): Promise<OpenState> {
    const connection = this.shared ?? (await RedisConnection.open(this.connectionOptions, { name: `store:${this.name}`, logger: this.logger }));
    try {
      const keys = new StoreKeys(connection, this.name);
      const client = connection.clientFor(keys.tag);
      const durability = await probeDurability(client, this.where);
      enforceDurability(durability, this.settings.requireDurable, this.where, this.logger);
      const lock = this.settings.readOnly ? undefined : await StoreLock.acquire(client, this.site(keys), { ttlMs: this.settings.lockTtlMs, staleLock: this.settings.staleLock, logger: this.logger });
      const target = lock && { client, keys, lock, lockTtlMs: this.settings.lockTtlMs, where: this.where, logger: this.logger };
      // A 'relaxed' batch does not wait for replicas: its loss in a failover only causes a redelivery.
      const targets = target && { sync: { ...target, replicas: connection.options.replicas }, relaxed: { ...target, replicas: undefined } };
      const opened: OpenState = { connection, client, reads: new ReadQueue(client), keys, lock, targets };
      try {
        await checkLayout({ client, keys, where: this.where, readOnly: this.settings.readOnly, write: (ops) => this.write(opened, encodeBatch(ops, true)) });
      } catch (error) {
        await lock?.release();
        throw error;
      }
      lock?.startRenewing();
      this.isDurable = durability.durable;
      return opened;
    } catch (error) {
      if (this.shared === undefined) await connection.close();
      throw error;
    }
  }

  private write(state: OpenState, batch: EncodedBatch, relaxed = false): Promise<void> {
    if (state.targets === undefined) return Promise.reject(readOnlyError(this.where));
    return applyBatch(relaxed ? state.targets.relaxed : state.targets.sync, batch);
  }

  private site(keys: StoreKeys): LockSite {
    return { key: keys.lock, where: this.where, unlock: unlockCommand(this.name, this.connectionOptions) };
  }

  private async withClient<T>(work: (client: RedisClient, site: LockSite) => Promise<T>): Promise<T> {
    const existing = this.current?.connection ?? this.shared;
    const connection = existing ?? (await RedisConnection.open(this.connectionOptions, { name: `store:${this.name}`, logger: this.logger }));
    try {
      const keys = new StoreKeys(connection, this.name);
      return await work(connection.clientFor(keys.tag), this.site(keys));
    } finally {
      if (existing === undefined) await connection.close();
    }
  }

  private openState(): OpenState {
    if (this.state !== 'open' || this.current === undefined) {
      const why = this.state === 'new' || this.state === 'opening' ? 'not open yet: call open() and await it' : 'closed';
      throw new ResoluteError('STORE_CLOSED', `${this.where} is ${why}`, { retryable: false });
    }
    return this.current;
  }
}

function readOnlyError(where: string): ResoluteError {
  return new ResoluteError('UNSUPPORTED', `${where} was opened readOnly (for inspection beside a running service): batches are refused`, { retryable: false });
}
