import { type BackendContext, ResoluteError } from '@resolute/core';
import { CONNECTION_FIELDS } from '../connection/redis-options.js';
import { RedisStore } from './redis-store.js';
import { redisStoreOptionsSchema, type RedisStoreOptions } from './redis-store-options.js';

const STORE_FIELDS: ReadonlySet<string> = new Set(Object.keys(redisStoreOptionsSchema.shape));

/**
 * What `createBusFromConfig` (and `resolute --redis`) calls for
 * `"store": { "type": "redis", "url": "redis://host:6379", "name"?: "...", ... }`. The store's name defaults to the
 * bus name; the other fields are RedisStore options and connection fields (url | shards | cluster | sentinel,
 * username, password, tls, prefix, ...). The store owns its connection: opened by open(), closed by close().
 * Validates at once (INVALID_CONFIG naming the field); connects on open().
 */
export function createStoreFromConfig(section: Record<string, unknown>, context: BackendContext): RedisStore {
  const { type: _type, package: _package, ...fields } = section;
  const unknown = Object.keys(fields).filter((field) => !STORE_FIELDS.has(field));
  if (unknown.length > 0) {
    const known = [...STORE_FIELDS].filter((field) => !CONNECTION_FIELDS.has(field)).join(', ');
    throw new ResoluteError('INVALID_CONFIG', `store.${unknown[0]} is not a Redis store option (store options: ${known}; connection: ${[...CONNECTION_FIELDS].join(', ')})`, {
      retryable: false,
      details: { field: `store.${unknown[0]}`, fields: unknown },
    });
  }
  return new RedisStore({ ...(fields as Partial<RedisStoreOptions>), name: (fields.name as string | undefined) ?? context.name, logger: context.logger });
}
