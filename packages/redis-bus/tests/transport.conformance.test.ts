import { describeTransportConformance } from '@resolute/core/testing';
import { afterAll, beforeAll, describe } from 'vitest';
import { RedisTransport } from '../src/index.js';
import { PrivateCluster, PrivateRedis } from './support/private-redis.js';

// Short lease and intervals: a test endpoint restarted under the same name is a new consumer, and what its previous
// instance left pending comes back after the lease.
const FAST = { sendTimeoutMs: 2_000, leaseMs: 2_000, blockMs: 200, refusalDelayMs: 20, trimIntervalMs: 500 } as const;

describe('on one redis-server', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await PrivateRedis.start({ aof: false });
  });
  afterAll(async () => {
    await redis?.destroy();
  });
  describeTransportConformance('redis-bus on one redis-server', { create: () => new RedisTransport({ url: redis.url, ...FAST }) });
});

describe('on two shards', () => {
  let shards: PrivateRedis[] = [];
  beforeAll(async () => {
    shards = await Promise.all([PrivateRedis.start({ aof: false }), PrivateRedis.start({ aof: false })]);
  });
  afterAll(async () => {
    await Promise.all(shards.map((s) => s.destroy()));
  });
  describeTransportConformance('redis-bus on 2 shards', { create: () => new RedisTransport({ shards: shards.map((s) => s.url), ...FAST }) }, { messages: 500 });
});

describe('on a 3-master Redis Cluster', () => {
  let cluster: PrivateCluster;
  beforeAll(async () => {
    cluster = await PrivateCluster.start(3);
  }, 60_000);
  afterAll(async () => {
    await cluster?.destroy();
  });
  describeTransportConformance('redis-bus on a Redis Cluster', { create: () => new RedisTransport({ cluster: { nodes: cluster.urls }, ...FAST }) }, { messages: 500 });
});
