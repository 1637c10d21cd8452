import type { RedisConnectionOptions } from '../connection/redis-options.js';
import { redactRedisUrl } from '../connection/redis-options.js';

/** The deployment a store lives on, for messages, passwords hidden. */
export function describeDeployment(options: RedisConnectionOptions): string {
  if (options.cluster) return `the Redis Cluster at ${options.cluster.nodes.map(redactRedisUrl).join(', ')}`;
  if (options.sentinel) return `the Redis master "${options.sentinel.name}" of sentinels ${options.sentinel.sentinels.join(', ')}`;
  if (options.shards) return `the Redis shards ${options.shards.map(redactRedisUrl).join(', ')}`;
  return redactRedisUrl(options.url ?? 'redis://127.0.0.1:6379');
}

/** `the Redis store "web" on redis://host:6379` (with the key prefix when it is not the default). */
export function describeStore(name: string, options: RedisConnectionOptions): string {
  const prefix = options.prefix === 'resolute' ? '' : ` (key prefix ${options.prefix})`;
  return `the Redis store ${JSON.stringify(name)} on ${describeDeployment(options)}${prefix}`;
}

/**
 * The command that removes this store's lock. `--redis URL --name NAME` reaches one instance with the default key
 * prefix; anything else (Cluster, shards, Sentinel, another prefix, credentials outside the URL) is reached through
 * the service's config file.
 */
export function unlockCommand(name: string, options: RedisConnectionOptions): string {
  const simple = options.url !== undefined && options.prefix === 'resolute' && options.username === undefined && options.password === undefined;
  if (!simple) return 'resolute unlock --config <the config file of the service>';
  const shownName = /^[A-Za-z0-9._:@/-]+$/.test(name) ? name : `'${name.replace(/'/g, `'\\''`)}'`;
  return `resolute unlock --redis ${redactRedisUrl(options.url!)} --name ${shownName}`;
}
