import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Logger, ResoluteError } from '@resolute/core';
import { mapRedisError } from '../connection/map-redis-error.js';
import type { RedisClient } from '../connection/redis-connection.js';
import { callReplicated, type ReplicaWait } from '../connection/replica-wait.js';
import type { EncodedBatch } from './batch-records.js';
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
  const { namespaces, records } = batch;
  // [script, number of keys, ...KEYS, ...ARGV]: see the header of store-batch-n.lua.
  const args: Array<string | number | Buffer> = [SHA, 2 + 2 * namespaces.length, keys.namespaces, keys.lock];
  for (const namespace of namespaces) args.push(keys.zset(namespace), keys.hash(namespace));
  args.push(lock.value, String(target.lockTtlMs), namespaces.length);
  namespaces.forEach((namespace, i) => {
    const parts = records[i]!;
    args.push(namespace, parts.length);
    for (const part of parts) args.push(part);
  });
  let reply: [string, (string | number)?, string?];
  try {
    try {
      reply = (await callReplicated(client, target.replicas, 'EVALSHA', args)) as typeof reply;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      args[0] = SOURCE;
      reply = (await callReplicated(client, target.replicas, 'EVAL', args)) as typeof reply;
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
