import { type Logger, ResoluteError, silentLogger } from '@resolute/core';
import { z } from 'zod';
import { RedisConnection } from '../connection/redis-connection.js';
import { CONNECTION_FIELDS, parseRedisConnection, parseWith, redisConnectionSchema, type RedisConnectionOptions } from '../connection/redis-options.js';

/**
 * A store name becomes part of every key, inside the Cluster hash tag `{store:<name>}`: a brace would end the tag
 * early (and scatter the store over slots), so braces and control characters are refused.
 */
export const STORE_NAME_PATTERN = /^[^{}\p{Cc}]{1,128}$/u;

/** What the store itself adds to the connection fields (url, shards, cluster, sentinel, prefix, ...). */
const storeFields = {
  /** The store's name: one bus's store (the bus name, when built from a config). Two live instances cannot share one. */
  name: z.string().regex(STORE_NAME_PATTERN, '1-128 characters, no braces or control characters'),
  /**
   * How long the lock outlives its holder's last renewal (renewed every third of it). A holder that crashed is
   * replaced once its lock expired, or at once when it was a process of this host that no longer runs (see
   * `staleLock`). Longer survives longer pauses (a stalled event loop, a Redis failover) without losing the lock.
   */
  lockTtlMs: z.number().int().min(300).max(3_600_000).default(30_000),
  /**
   * What open() does when the lock names a process of this host that no longer runs (it crashed or was killed), and
   * the lock has not expired yet: 'takeover' replaces it and logs a warning; 'refuse' rejects with STORE_LOCKED until
   * it expires or `resolute unlock` removes it. An expired lock is free either way.
   */
  staleLock: z.enum(['takeover', 'refuse']).default('takeover'),
  /**
   * Refuse to open (INVALID_CONFIG) unless the server persists each write before acknowledging it and never loads a
   * batch in part after a crash: `appendonly yes`, `appendfsync always` and `aof-load-truncated no` (on every master
   * of a Cluster; see durability.ts). Off, such a store opens with `durable` false and a warning in the log.
   */
  requireDurable: z.boolean().default(false),
  /**
   * Open without taking the lock, beside a running service, for inspection (`resolute status`): reads work, every
   * batch rejects with UNSUPPORTED, and a store that does not exist yet is not created.
   */
  readOnly: z.boolean().default(false),
  /** Entries per round trip of `entries()` (pages also stop at 4 MiB of values). */
  pageSize: z.number().int().min(1).max(10_000).default(256),
};

const storeSchema = z.object(storeFields).strict();

/** Every field a config section may hold besides `type` and `package`: the connection's and the store's. */
export const redisStoreOptionsSchema = redisConnectionSchema.extend(storeFields).strict();

export type RedisStoreOptions = z.input<typeof redisStoreOptionsSchema> & {
  /** Where warnings go (a pino logger fits). Default: silent. */
  readonly logger?: Logger;
  /**
   * A connection opened elsewhere (shared with the transport or queues): used as is, and not closed by the store.
   * Without it the store opens its own from the connection fields on open() and closes it on close().
   */
  readonly connection?: RedisConnection;
};

export type RedisStoreSettings = z.output<typeof storeSchema>;

export interface ResolvedRedisStoreOptions {
  readonly settings: RedisStoreSettings;
  /** The connection to open; undefined when one was passed in. */
  readonly connectionOptions: RedisConnectionOptions | undefined;
  readonly connection: RedisConnection | undefined;
  readonly logger: Logger;
}

/** Splits and validates the options at construction: INVALID_CONFIG names every bad field. */
export function resolveRedisStoreOptions(input: RedisStoreOptions): ResolvedRedisStoreOptions {
  if (typeof input !== 'object' || input === null) {
    throw new ResoluteError('INVALID_CONFIG', 'invalid RedisStore options: expected an object with at least { name }', { retryable: false, details: { fields: ['(root)'] } });
  }
  const connectionPart: Record<string, unknown> = {};
  const storePart: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(input)) {
    if (field === 'connection' || field === 'logger') continue;
    (CONNECTION_FIELDS.has(field) ? connectionPart : storePart)[field] = value;
  }
  const settings = parseWith(storeSchema, storePart, 'RedisStore options');
  const { connection, logger = silentLogger } = input;
  if (connection !== undefined && !(connection instanceof RedisConnection)) {
    throw fieldError('connection', 'must be a RedisConnection (from RedisConnection.open)');
  }
  if (typeof logger !== 'object' || logger === null || typeof logger.warn !== 'function') {
    throw fieldError('logger', 'must be a logger with debug/info/warn/error methods (pino fits)');
  }
  const given = Object.keys(connectionPart);
  if (connection !== undefined && given.length > 0) {
    throw new ResoluteError('INVALID_CONFIG', `invalid RedisStore options: ${given.join(', ')}: not allowed with \`connection\` (the connection passed in has its own): drop them`, {
      retryable: false,
      details: { fields: given },
    });
  }
  return { settings, connection, connectionOptions: connection === undefined ? parseRedisConnection(connectionPart) : undefined, logger };
}

function fieldError(field: string, message: string): ResoluteError {
  return new ResoluteError('INVALID_CONFIG', `invalid RedisStore options: ${field}: ${message}`, { retryable: false, details: { fields: [field] } });
}
