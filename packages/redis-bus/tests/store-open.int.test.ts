import { putOp } from '@resolute/core';
import { freePort, uniqueName } from '@resolute/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_STORE_LAYOUT_VERSION, RedisStore, type RedisStoreOptions } from '../src/index.js';
import { PrivateCluster, PrivateRedis } from './support/private-redis.js';
import { dropStore, expectCode, recordingLogger } from './support/store-support.js';

let durable: PrivateRedis;
let everysec: PrivateRedis;
let noAof: PrivateRedis;
let loadsTruncated: PrivateRedis;
beforeAll(async () => {
  [durable, everysec, noAof, loadsTruncated] = await Promise.all([
    PrivateRedis.start({ aof: true }),
    PrivateRedis.start({ aof: true, args: ['--appendfsync', 'everysec'] }),
    PrivateRedis.start({ aof: false }),
    PrivateRedis.start({ aof: true, args: ['--aof-load-truncated', 'yes'] }),
  ]);
});
afterAll(async () => {
  await Promise.all([durable?.destroy(), everysec?.destroy(), noAof?.destroy(), loadsTruncated?.destroy()]);
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function store(server: PrivateRedis, options: Partial<RedisStoreOptions> = {}): RedisStore {
  const name = options.name ?? uniqueName('open');
  const s = new RedisStore({ url: server.url, ...options, name });
  cleanups.push(() => dropStore([server], name));
  cleanups.push(() => s.close());
  return s;
}

async function raw<T>(server: PrivateRedis, work: (client: ReturnType<PrivateRedis['client']>) => Promise<T>): Promise<T> {
  const client = server.client();
  try {
    return await work(client);
  } finally {
    client.disconnect();
  }
}

describe('durability', () => {
  it('is durable on a server with appendonly yes and appendfsync always', async () => {
    const s = store(durable, { requireDurable: true });
    expect(s.durable).toBe(false); // unknown until open
    await s.open();
    expect(s.durable).toBe(true);
  });

  it('is not durable with appendfsync everysec or without AOF: warns saying what to set, or refuses with requireDurable', async () => {
    for (const [server, setting] of [[everysec, 'appendfsync everysec'], [noAof, 'appendonly no']] as const) {
      const logger = recordingLogger();
      const s = store(server, { logger });
      await s.open();
      expect(s.durable).toBe(false);
      const warning = logger.records.find((r) => r.level === 'warn')?.msg ?? '';
      expect(warning).toContain(setting);
      expect(warning).toContain('Set appendonly yes and appendfsync always');
      const strict = store(server, { requireDurable: true });
      const error = await expectCode(() => strict.open(), 'INVALID_CONFIG');
      expect(error.message).toContain('requireDurable');
      expect(error.message).toContain('appendonly yes and appendfsync always');
      expect(await raw(server, (c) => c.exists(`resolute:{store:${strict.name}}:lock`))).toBe(0);
    }
  });

  it('is not durable with aof-load-truncated yes (a cut batch would come back in part): says to set no and how to repair', async () => {
    const logger = recordingLogger();
    const s = store(loadsTruncated, { logger });
    await s.open();
    expect(s.durable).toBe(false);
    const warning = logger.records.find((r) => r.level === 'warn')?.msg ?? '';
    expect(warning).toContain(`127.0.0.1:${loadsTruncated.port} runs with aof-load-truncated yes`);
    expect(warning).toContain('Set aof-load-truncated no');
    expect(warning).toContain('redis-check-aof --fix');
    expect(warning).not.toContain('appendfsync always in redis.conf');
    const error = await expectCode(() => store(loadsTruncated, { requireDurable: true }).open(), 'INVALID_CONFIG');
    expect(error.message).toContain('aof-load-truncated');
  });

  it('treats a server whose ACL refuses CONFIG GET as not durable, and says how to fix it', async () => {
    await raw(durable, (c) => c.call('ACL', 'SETUSER', 'limited', 'on', '>pw', '~*', '+@all', '-config'));
    const logger = recordingLogger();
    const s = store(durable, { username: 'limited', password: 'pw', logger });
    await s.open();
    expect(s.durable).toBe(false);
    expect(logger.records.find((r) => r.level === 'warn')?.msg).toContain('+config|get');
    await expectCode(() => store(durable, { username: 'limited', password: 'pw', requireDurable: true }).open(), 'INVALID_CONFIG');
  });
});

describe('durability on a Redis Cluster', () => {
  it('is durable only when every master persists each write, and names the ones that do not', async () => {
    const cluster = await PrivateCluster.start(3);
    cleanups.push(() => cluster.destroy());
    const logger = recordingLogger();
    const open = async (): Promise<RedisStore> => {
      const s = new RedisStore({ cluster: { nodes: cluster.urls }, name: uniqueName('cluster-durable'), logger });
      cleanups.push(() => s.close());
      await s.open();
      return s;
    };
    const persist = (node: PrivateRedis): Promise<unknown> => raw(node, async (c) => [await c.config('SET', 'appendonly', 'yes'), await c.config('SET', 'appendfsync', 'always')]);
    await Promise.all(cluster.nodes.slice(0, 2).map(persist));
    const partly = await open();
    expect(partly.durable).toBe(false);
    const warning = logger.records.find((r) => r.level === 'warn')?.msg ?? '';
    expect(warning).toContain(`127.0.0.1:${cluster.nodes[2]!.port} runs with appendonly no`);
    expect(warning).not.toContain(`127.0.0.1:${cluster.nodes[0]!.port} runs with`);
    await persist(cluster.nodes[2]!);
    expect((await open()).durable).toBe(true);
  });
});

describe('layout version', () => {
  const meta = (name: string): string => `resolute:{store:${name}}:h:meta`;

  it(`writes layout ${REDIS_STORE_LAYOUT_VERSION} and the writer into a new store, and reopens it`, async () => {
    const s = store(durable);
    await s.open();
    expect((await s.get('meta', 'layout'))?.toString()).toBe(String(REDIS_STORE_LAYOUT_VERSION));
    expect((await s.get('meta', 'layout-writer'))?.toString()).toBe('@resolute/redis-bus@0.1.0');
    await s.batch([putOp('inbox', 'k', Buffer.from('v'))]);
    await s.close();
    const again = store(durable, { name: s.name });
    await again.open();
    expect(await again.count('inbox')).toBe(1);
  });

  it('rejects a future layout with STORE_VERSION naming the release to use, and leaves no lock', async () => {
    const s = store(durable);
    await s.open();
    await s.close();
    await raw(durable, (c) => c.hset(meta(s.name), 'layout', String(REDIS_STORE_LAYOUT_VERSION + 1), 'layout-writer', '@resolute/redis-bus@9.0.0'));
    const error = await expectCode(() => store(durable, { name: s.name }).open(), 'STORE_VERSION');
    expect(error.message).toContain(`layout version ${REDIS_STORE_LAYOUT_VERSION + 1}`);
    expect(error.message).toContain('Upgrade to @resolute/redis-bus@9.0.0');
    expect(await raw(durable, (c) => c.exists(`resolute:{store:${s.name}}:lock`))).toBe(0);
  });

  it('rejects a store holding data without a layout version, or an unreadable one, with STORE_CORRUPT', async () => {
    const s = store(durable);
    await s.open();
    await s.batch([putOp('inbox', 'k', Buffer.from('v'))]);
    await s.close();
    await raw(durable, (c) => c.hset(meta(s.name), 'layout', 'one'));
    await expectCode(() => store(durable, { name: s.name }).open(), 'STORE_CORRUPT');
    await raw(durable, (c) => c.hdel(meta(s.name), 'layout'));
    const error = await expectCode(() => store(durable, { name: s.name }).open(), 'STORE_CORRUPT');
    expect(error.message).toContain('holds data but no layout version');
  });

  it('does not create a store when opened readOnly', async () => {
    const s = store(durable, { readOnly: true });
    await s.open();
    expect(await s.namespaces()).toEqual([]);
    expect(await durable.keys(`resolute:{store:${s.name}}:*`)).toEqual([]);
  });
});

describe('connecting', () => {
  it('fails to open an unreachable server with UNREACHABLE naming it, and can be closed after', async () => {
    const port = await freePort();
    const s = new RedisStore({ url: `redis://127.0.0.1:${port}`, name: 'nowhere', connectTimeoutMs: 500 });
    const error = await expectCode(() => s.open(), 'UNREACHABLE');
    expect(error.message).toContain(`127.0.0.1:${port}`);
    await s.close();
  });

  it('uses a connection passed in and leaves it open on close', async () => {
    const { RedisConnection } = await import('../src/index.js');
    const connection = await RedisConnection.open({ url: durable.url });
    cleanups.push(() => connection.close());
    const s = new RedisStore({ connection, name: uniqueName('shared') });
    cleanups.push(() => dropStore([durable], s.name));
    await s.open();
    await s.batch([putOp('inbox', 'k', Buffer.from('v'))]);
    await s.close();
    expect(await connection.all[0]!.ping()).toBe('PONG');
    expect(() => new RedisStore({ connection, url: durable.url, name: 'x' })).toThrow(/url: not allowed with `connection`/);
  });
});
