import { describeStoreConformance, uniqueName } from '@resolute/core/testing';
import { afterAll, beforeAll } from 'vitest';
import { RedisStore } from '../src/index.js';
import { dropStore } from './support/store-support.js';
import { PrivateCluster, PrivateRedis } from './support/private-redis.js';

let server: PrivateRedis;
let cluster: PrivateCluster;
beforeAll(async () => {
  [server, cluster] = await Promise.all([PrivateRedis.start({ aof: true }), PrivateCluster.start(3)]);
}, 60_000);
afterAll(async () => {
  await Promise.all([server?.destroy(), cluster?.destroy()]);
});

// Each test gets a store name of its own on the shared private servers, and its keys are deleted afterwards.
describeStoreConformance('RedisStore on one redis-server (appendonly yes, appendfsync always)', {
  async create() {
    const name = uniqueName('conformance');
    return { instance: () => new RedisStore({ url: server.url, name }), cleanup: () => dropStore([server], name) };
  },
});

describeStoreConformance('RedisStore on a 3-master Redis Cluster', {
  async create() {
    const name = uniqueName('conformance-cluster');
    return { instance: () => new RedisStore({ cluster: { nodes: cluster.urls }, name }), cleanup: () => dropStore(cluster.nodes, name) };
  },
});
