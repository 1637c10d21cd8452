import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisConnection } from '../src/index.js';
import { shardIndex } from '../src/connection/shard-hash.js';
import { PrivateCluster, PrivateRedis } from './support/private-redis.js';
import { freePort, waitFor } from '@resolute/core/testing';

describe('RedisConnection', () => {
  let a: PrivateRedis;
  let b: PrivateRedis;
  beforeAll(async () => {
    [a, b] = await Promise.all([PrivateRedis.start(), PrivateRedis.start()]);
  });
  afterAll(async () => {
    await Promise.all([a?.destroy(), b?.destroy()]);
  });

  it('refuses bad options by field name', async () => {
    await expect(RedisConnection.open({ url: 'http://x' })).rejects.toMatchObject({ code: 'INVALID_CONFIG', details: { fields: ['url'] } });
    await expect(RedisConnection.open({ url: a.url, shards: [b.url] })).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringMatching(/only one of/) });
    await expect(RedisConnection.open({ url: a.url, tls: {} })).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringMatching(/rediss:\/\//) });
    await expect(RedisConnection.open({ url: a.url, bogus: 1 } as never)).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });

  it('fails to open an unreachable server with UNREACHABLE naming it', async () => {
    const port = await freePort();
    await expect(RedisConnection.open({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 500 })).rejects.toMatchObject({
      code: 'UNREACHABLE',
      message: expect.stringContaining(`127.0.0.1:${port}`),
    });
  });

  it('fails with AUTH_FAILED on a wrong password', async () => {
    const secured = await PrivateRedis.start({ aof: false, args: ['--requirepass', 's3cret'] });
    try {
      await expect(RedisConnection.open({ url: secured.url, password: 'wrong' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
      const ok = await RedisConnection.open({ url: secured.url, password: 's3cret' });
      expect(await ok.all[0]!.ping()).toBe('PONG');
      await ok.close();
    } finally {
      await secured.destroy();
    }
  });

  it('spreads names over shards by a stable hash and keeps each name on one shard', async () => {
    const connection = await RedisConnection.open({ shards: [a.url, b.url] });
    try {
      const names = Array.from({ length: 200 }, (_, i) => `queue-${i}`);
      for (const name of names) await connection.clientFor(name).set(connection.key(name, 'probe'), '1');
      const onA = (await a.keys()).length;
      const onB = (await b.keys()).length;
      expect(onA + onB).toBe(200);
      expect(onA).toBeGreaterThan(50);
      expect(onB).toBeGreaterThan(50);
      for (const name of names) expect(shardIndex(name, 2)).toBe(shardIndex(name, 2));
    } finally {
      await connection.close();
    }
  });

  it('emits offline and online around a server restart', async () => {
    const connection = await RedisConnection.open({ url: a.url });
    const events: string[] = [];
    connection.on('offline', () => events.push('offline'));
    connection.on('online', () => events.push('online'));
    try {
      await a.restart();
      await waitFor(() => events.join() === 'offline,online', { timeoutMs: 10_000, message: () => `events: ${events.join()}` });
      expect(await connection.all[0]!.ping()).toBe('PONG');
    } finally {
      await connection.close();
    }
  });
});

describe('RedisConnection on a Redis Cluster', () => {
  let cluster: PrivateCluster;
  beforeAll(async () => {
    cluster = await PrivateCluster.start(3);
  }, 60_000);
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('routes keys of many names across the masters', async () => {
    const connection = await RedisConnection.open({ cluster: { nodes: cluster.urls } });
    try {
      const client = connection.clientFor('anything');
      for (let i = 0; i < 100; i++) await client.set(connection.key(`name-${i}`, 'probe'), String(i));
      const perNode = await Promise.all(cluster.nodes.map((n) => n.dbsize()));
      expect(perNode.reduce((x, y) => x + y, 0)).toBe(100);
      expect(perNode.filter((n) => n > 0).length).toBe(3);
    } finally {
      await connection.close();
    }
  });
});
