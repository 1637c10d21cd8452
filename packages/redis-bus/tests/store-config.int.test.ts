import { createBusFromConfig, type ResoluteError } from '@resolute/core';
import { freePort, uniqueName, waitFor } from '@resolute/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createStoreFromConfig, findRedisStores, RedisStore } from '../src/index.js';
import { PrivateRedis } from './support/private-redis.js';
import { dropStore, expectCode } from './support/store-support.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const context = { name: 'web', logger: silent, baseDir: '/tmp' };

let server: PrivateRedis;
beforeAll(async () => {
  server = await PrivateRedis.start({ aof: true });
});
afterAll(async () => {
  await server?.destroy();
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function invalid(section: Record<string, unknown>): ResoluteError {
  try {
    createStoreFromConfig(section, context);
  } catch (error) {
    expect((error as ResoluteError).code).toBe('INVALID_CONFIG');
    return error as ResoluteError;
  }
  throw new Error(`expected INVALID_CONFIG for ${JSON.stringify(section)}`);
}

describe('createStoreFromConfig', () => {
  it('names the bad field of a redis store section', () => {
    expect(invalid({ type: 'redis', url: 'http://x' }).message).toMatch(/url: must be a URL like redis:\/\//);
    expect(invalid({ type: 'redis', url: 'redis://h', pth: 1 })).toMatchObject({ message: expect.stringMatching(/^store\.pth is not a Redis store option/), details: { field: 'store.pth' } });
    expect(invalid({ type: 'redis', lockTtlMs: 'long' }).details).toMatchObject({ fields: ['lockTtlMs'] });
    expect(invalid({ type: 'redis', staleLock: 'maybe' }).message).toContain('staleLock');
    expect(invalid({ type: 'redis', name: 'a{b}' }).message).toMatch(/name: 1-128 characters, no braces/);
    expect(invalid({ type: 'redis', url: 'redis://h', cluster: { nodes: ['redis://h'] } }).message).toContain('only one of');
  });

  it('takes the bus name as the store name unless the section names one, and connects only on open', () => {
    expect(createStoreFromConfig({ type: 'redis', url: 'redis://127.0.0.1:1' }, context).name).toBe('web');
    expect(createStoreFromConfig({ type: 'redis', url: 'redis://127.0.0.1:1', name: 'orders' }, context).name).toBe('orders');
  });

  it('opens with UNREACHABLE when no server listens', async () => {
    const port = await freePort();
    const store = createStoreFromConfig({ type: 'redis', url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 500 }, context);
    await expectCode(() => store.open(), 'UNREACHABLE');
  });

  it('is what createBusFromConfig loads for store.type "redis": a bus runs on it', async () => {
    const name = uniqueName('bus');
    cleanups.push(() => dropStore([server], name));
    const bus = await createBusFromConfig({ name, transport: { type: 'memory' }, store: { type: 'redis', url: server.url, requireDurable: true } }, { env: {} });
    cleanups.push(() => bus.close());
    const got: number[] = [];
    await bus.subscribe('t', (n: number) => void got.push(n));
    for (let i = 0; i < 20; i++) await bus.publish('t', i);
    await waitFor(() => got.length === 20, { message: () => `20 messages (got ${got.length})` });
    expect([...got].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(await findRedisStores({ url: server.url })).toContain(name);
    await expectCode(() => new RedisStore({ url: server.url, name }).open(), 'STORE_LOCKED');
  });
});

describe('findRedisStores', () => {
  it('lists the stores under the prefix, sorted', async () => {
    const names = [uniqueName('find-b'), uniqueName('find-a')];
    for (const name of names) {
      cleanups.push(() => dropStore([server], name));
      const store = new RedisStore({ url: server.url, name });
      await store.open();
      await store.close();
    }
    const found = await findRedisStores({ url: server.url });
    expect(found.filter((n) => names.includes(n))).toEqual([...names].sort());
    expect(await findRedisStores({ url: server.url, prefix: 'other' })).toEqual([]);
  });
});
