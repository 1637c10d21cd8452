import { join } from 'node:path';
import { PrivateRedis } from '@resolute/redis-bus/testing';
import type { ChaosTarget } from '../chaos-backend.js';

/**
 * redis-bus + LevelDB on a private redis-server (AOF, appendfsync always), which the plan may SIGKILL and restart on
 * its data. Short leases, so a killed consumer's entries are reclaimed within the run.
 */
export const redisBusTarget: ChaosTarget = {
  name: 'redis-bus',
  async start(root) {
    const redis = await PrivateRedis.start({ aof: true });
    const transport = { type: 'redis-bus', url: redis.url, leaseMs: 2_000, reclaimIntervalMs: 500, sendTimeoutMs: 2_000 };
    const outbox = { retry: { initialDelayMs: 50, maxDelayMs: 500 } };
    return {
      producer: { name: 'chaos-pub', transport, store: { type: 'level', path: join(root, 'pub') }, bus: { outbox } },
      consumer: { name: 'chaos-sub', transport, store: { type: 'level', path: join(root, 'sub') }, bus: { outbox } },
      restartBroker: () => redis.restart(),
      stop: () => redis.destroy(),
    };
  },
};
