// The same RedisBus facade end to end on two shards and on a 3-master Redis Cluster: many queues spread over the
// servers (each queue's keys on one server, under its hash tag), reliable consumption, a channel and pub/sub.
import { uniqueName, waitFor } from '@resolute/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBus, type RedisBusOptions } from '../src/index.js';
import { PrivateCluster, PrivateRedis } from './support/private-redis.js';

async function endToEnd(options: RedisBusOptions, servers: PrivateRedis[]): Promise<void> {
  const [producer, consumer] = await Promise.all([RedisBus.connect({ ...options, heartbeatMs: 200, livenessMs: 1_000 }), RedisBus.connect({ ...options, heartbeatMs: 200, livenessMs: 1_000 })]);
  try {
    // Queues: 20 names x 20 messages, reliable, acked.
    const names = Array.from({ length: 20 }, (_, i) => uniqueName(`topo${i}`));
    const got = new Map<string, string[]>(names.map((n) => [n, []]));
    const queues = names.map((name) => consumer.queue(name));
    await Promise.all(queues.map((q) => q.attach()));
    queues.forEach((q, index) => {
      q.on('message', (body, _id, message) => {
        got.get(names[index]!)!.push(body);
        void message.ack();
      });
      q.consume({ reliable: true });
    });
    await Promise.all(names.map((name) => Promise.all(Array.from({ length: 20 }, (_, i) => producer.queue(name).push(`${i}`)))));
    await waitFor(() => [...got.values()].every((b) => b.length === 20), { timeoutMs: 15_000, message: 'every queue consumed' });
    for (const bodies of got.values()) expect(bodies).toEqual(Array.from({ length: 20 }, (_, i) => `${i}`));

    // Each queue's keys sit on one server, all under its tag; the queues use every server.
    const perServer = await Promise.all(servers.map((s) => s.keys('resolute:{q:topo*')));
    expect(perServer.every((keys) => keys.length > 0)).toBe(true);
    for (const name of names) {
      const holders = perServer.filter((keys) => keys.some((k) => k.startsWith(`resolute:{q:${name}}:`)));
      expect(holders.length).toBe(1);
    }

    // A channel both ways.
    const channelName = uniqueName('topo-chan');
    const server = producer.channel(channelName);
    const client = consumer.channel(channelName);
    const [toServer, toClient] = [[] as string[], [] as string[]];
    server.on('message', (body) => toServer.push(body));
    client.on('message', (body) => toClient.push(body));
    await server.listen();
    await client.connect();
    await client.send('ping');
    await server.send('pong');
    await waitFor(() => toServer.length === 1 && toClient.length === 1, { timeoutMs: 5_000 });
    expect([toServer, toClient]).toEqual([['ping'], ['pong']]);

    // Pub/sub.
    const topic = uniqueName('topo-news');
    const subscriber = consumer.pubsub(topic);
    const heard: string[] = [];
    subscriber.on('message', (body) => heard.push(body));
    await subscriber.subscribe();
    await waitFor(async () => {
      await producer.pubsub(topic).publish('hello');
      return heard.length > 0;
    }, { timeoutMs: 5_000 });
    expect(heard[0]).toBe('hello');
  } finally {
    await Promise.all([producer.close(), consumer.close()]);
  }
}

describe('RedisBus on two shards', () => {
  let shards: PrivateRedis[];
  beforeAll(async () => {
    shards = await Promise.all([PrivateRedis.start({ aof: false }), PrivateRedis.start({ aof: false })]);
  });
  afterAll(async () => {
    await Promise.all((shards ?? []).map((s) => s.destroy()));
  });

  it('spreads queues over the shards and works end to end', async () => {
    await endToEnd({ shards: shards.map((s) => s.url) }, shards);
  });
});

describe('RedisBus on a 3-master Redis Cluster', () => {
  let cluster: PrivateCluster;
  beforeAll(async () => {
    cluster = await PrivateCluster.start(3);
  }, 60_000);
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('spreads queues over the masters and works end to end', async () => {
    await endToEnd({ cluster: { nodes: cluster.urls } }, cluster.nodes);
  }, 60_000);
});
