import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Logger, ResoluteError, type StoreOperation } from '@resolute/core';
import { mapRedisError } from '../connection/map-redis-error.js';
import type { RedisClient } from '../connection/redis-connection.js';
import { callReplicated, type ReplicaWait } from '../connection/replica-wait.js';
import { checkKey, checkNamespace, encodeKey } from './key-codec.js';
import { isReservedKey } from './layout-version.js';
import type { StoreKeys } from './store-keys.js';
import type { StoreLock } from './store-lock.js';

/**
 * store-batch-n.lua, run by EVALSHA, and sent whole (comments stripped) by EVAL once when the server answers NOSCRIPT
 * (just restarted, or a new Cluster master). That retry cannot reorder batches because the store keeps one batch call
 * in flight at a time (batch-queue.ts): nothing made later has been sent while the retry goes out.
 */
const SOURCE = readFileSync(new URL('../../lua/store-batch-n.lua', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => !/^\s*--/.test(line) && line.trim() !== '')
  .join('\n');
const SHA = createHash('sha1').update(SOURCE).digest('hex');

/** A batch validated and flattened for the script: its namespaces and its operations' ARGV. */
export interface EncodedBatch {
  readonly namespaces: readonly string[];
  readonly operations: ReadonlyArray<string | Buffer>;
  readonly size: number;
}

/**
 * Validates every operation before anything is sent (so a bad batch is refused whole, with INVALID_ARGUMENT) and
 * copies each value: the caller may reuse its buffer as soon as batch() returns. `internal` lets the store write its
 * own meta records.
 */
export function encodeBatch(operations: readonly StoreOperation[], internal = false): EncodedBatch {
  const given: unknown = operations;
  if (!Array.isArray(given)) throw new ResoluteError('INVALID_ARGUMENT', 'batch() takes an array of operations', { retryable: false });
  const index = new Map<string, string>();
  const flat: Array<string | Buffer> = [];
  for (const op of operations) {
    checkNamespace(op?.namespace);
    checkKey(op.key);
    if (!internal && isReservedKey(op.namespace, op.key)) {
      throw new ResoluteError('INVALID_ARGUMENT', `${op.namespace}/${op.key} is the store's own bookkeeping and cannot be written`, { retryable: false });
    }
    let i = index.get(op.namespace);
    if (i === undefined) {
      i = String(index.size + 1);
      index.set(op.namespace, i);
    }
    if (op.type === 'put') {
      if (!(op.value instanceof Uint8Array)) {
        throw new ResoluteError('INVALID_ARGUMENT', `the value of ${op.namespace}/${op.key} must be a Uint8Array or Buffer`, { retryable: false });
      }
      flat.push('p', i, encodeKey(op.key), Buffer.from(op.value));
    } else if (op.type === 'del') {
      flat.push('d', i, encodeKey(op.key));
    } else {
      throw new ResoluteError('INVALID_ARGUMENT', `unknown operation type ${JSON.stringify((op as { type: unknown }).type)}`, { retryable: false });
    }
  }
  return { namespaces: [...index.keys()], operations: flat, size: operations.length };
}

/** Where a batch goes: the store's client and keys, its lock (the fence), and what to say in messages. */
export interface BatchTarget {
  readonly client: RedisClient;
  readonly keys: StoreKeys;
  readonly lock: StoreLock;
  readonly lockTtlMs: number;
  readonly where: string;
  readonly logger: Logger;
  /** When set, the batch succeeds only once this many replicas confirmed it (WAIT behind the script, replica-wait.ts). */
  readonly replicas?: ReplicaWait | undefined;
}

/**
 * Runs one encoded batch, fenced by the lock. Resolves once Redis applied it; rejects with STORE_LOCKED when another
 * instance holds the lock, STORE_CORRUPT when a key holds another type (nothing applied either way), or the mapped
 * Redis error.
 */
export async function applyBatch(target: BatchTarget, batch: EncodedBatch): Promise<void> {
  const { client, keys, lock, where } = target;
  if (lock.lost !== undefined) throw lock.lostError();
  const args: Array<string | Buffer> = [keys.namespaces, keys.lock];
  for (const namespace of batch.namespaces) args.push(keys.zset(namespace), keys.hash(namespace));
  const numberOfKeys = args.length;
  args.push(lock.value, String(target.lockTtlMs), String(batch.namespaces.length), ...batch.namespaces);
  // One array, which ioredis flattens: a batch of many thousand operations must not become as many call arguments.
  for (const part of batch.operations) args.push(part);
  let reply: [string, (string | number)?, string?];
  try {
    try {
      reply = (await callReplicated(client, target.replicas, 'EVALSHA', [SHA, numberOfKeys, ...args])) as typeof reply;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      reply = (await callReplicated(client, target.replicas, 'EVAL', [SOURCE, numberOfKeys, ...args])) as typeof reply;
    }
  } catch (error) {
    throw mapRedisError(error, `batch of ${batch.size} operations on ${where}`);
  }
  switch (reply[0]) {
    case 'OK':
      if (reply[1] === 1) target.logger.warn({ store: where }, `the lock of ${where} had expired (Redis lost it, or this process paused longer than lockTtlMs) and nobody had taken it: taken again`);
      return;
    case 'LOCKED':
      lock.markLost(String(reply[1]));
      throw lock.lostError();
    case 'WRONGTYPE':
      throw new ResoluteError(
        'STORE_CORRUPT',
        `${where}: the key ${String(reply[1])} holds a ${String(reply[2])}, not what the store keeps there, so something else writes under this store's keys. ` +
          'Nothing of the batch was applied. Use another key prefix or store name, or remove that key.',
        { retryable: false, details: { key: reply[1], type: reply[2] } },
      );
    default:
      throw new ResoluteError('INTERNAL', `store-batch-n.lua answered ${JSON.stringify(reply)}: a bug, report it`, { retryable: false });
  }
}
