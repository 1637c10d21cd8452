import type { BackendContext } from '@resolute/core';
import { RedisTransport } from './redis-transport.js';

/**
 * What `createBusFromConfig` calls for `"transport": { "type": "redis-bus", "url": "redis://..." }`. Every field but
 * `type` (and `package`) is a connection field (url, shards, cluster, sentinel, ...) or a transport option (maxBatch,
 * leaseMs, ...); unknown fields are refused by name (INVALID_CONFIG).
 */
export function createTransportFromConfig(section: Record<string, unknown>, context: BackendContext): RedisTransport {
  const { type: _type, package: _package, ...options } = section;
  return new RedisTransport({ ...options, logger: context.logger });
}
