import { Cluster, type Redis } from 'ioredis';
import { mapRedisError } from '../connection/map-redis-error.js';
import { RedisConnection } from '../connection/redis-connection.js';
import type { RedisConnectionInput } from '../connection/redis-options.js';
import { describeDeployment } from './describe-store.js';
import { metaHashPattern, storeNameOfMetaKey } from './store-keys.js';

/**
 * The names of the RedisStores on a deployment (under its key prefix), sorted: every store that was opened once
 * has a meta hash. For tools (`resolute --redis URL` without `--name`). SCANs every server (every master of a
 * Cluster): fine for a tool, not for a hot path.
 */
export async function findRedisStores(target: RedisConnectionInput | RedisConnection): Promise<string[]> {
  const connection = target instanceof RedisConnection ? target : await RedisConnection.open(target, { name: 'find-stores' });
  try {
    const servers: Redis[] = connection.all.flatMap((client) => (client instanceof Cluster ? client.nodes('master') : [client]));
    const names = new Set<string>();
    const pattern = metaHashPattern(connection.prefix);
    for (const server of servers) {
      let cursor = '0';
      do {
        const [next, keys] = await server.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        for (const key of keys) {
          const name = storeNameOfMetaKey(connection.prefix, key);
          if (name !== undefined) names.add(name);
        }
      } while (cursor !== '0');
    }
    return [...names].sort();
  } catch (error) {
    throw mapRedisError(error, `listing the stores on ${describeDeployment(connection.options)}`);
  } finally {
    if (!(target instanceof RedisConnection)) await connection.close();
  }
}
