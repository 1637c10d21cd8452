import { waitFor } from '@resolute/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { mapRedisError, RedisConnection } from '../src/index.js';
import { PrivateCluster, PrivateRedis } from './support/private-redis.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** True once `server` is running a BLPOP for some client. */
async function blocking(server: PrivateRedis): Promise<boolean> {
  const client = server.client();
  try {
    return ((await client.client('LIST')) as string).includes('cmd=blpop');
  } finally {
    client.disconnect();
  }
}

/** What a command in flight when its server dies settles with (it must settle). */
async function outcome(command: Promise<unknown>): Promise<string> {
  try {
    await command;
    return 'resolved';
  } catch (error) {
    return mapRedisError(error, 'in flight').code;
  }
}

describe('a command in flight when its server dies', () => {
  it('rejects with CONNECTION_LOST instead of waiting forever (one server), and the connection recovers', async () => {
    const server = await PrivateRedis.start({ aof: false });
    cleanups.push(() => server.destroy());
    const connection = await RedisConnection.open({ url: server.url, maxReconnectDelayMs: 100 });
    cleanups.push(() => connection.close());
    const client = await connection.dedicated('in-flight');
    const blocked = outcome(client.blpop('never-pushed', 0));
    await waitFor(() => blocking(server), { message: 'BLPOP on the server' });
    await server.restart();
    expect(await blocked).toBe('CONNECTION_LOST');
    expect(await connection.all[0]!.ping()).toBe('PONG');
  });

  it('rejects with CONNECTION_LOST on a Redis Cluster node too', async () => {
    const cluster = await PrivateCluster.start(3);
    cleanups.push(() => cluster.destroy());
    const connection = await RedisConnection.open({ cluster: { nodes: cluster.urls }, maxReconnectDelayMs: 100 });
    cleanups.push(() => connection.close());
    const client = await connection.dedicated('in-flight');
    const blocked = outcome(client.blpop(connection.key('in-flight', 'list'), 0));
    const node = await waitFor(async () => (await Promise.all(cluster.nodes.map(async (n) => ((await blocking(n)) ? n : undefined)))).find((n) => n !== undefined), {
      message: 'BLPOP on a cluster node',
    });
    await node.kill();
    expect(await blocked).toBe('CONNECTION_LOST');
  });
});
