import { randomBytes } from 'node:crypto';
import { delOp, putOp, type StoreEntry, type StoreRange } from '@resolute/core';
import { uniqueName } from '@resolute/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore, type RedisStoreOptions } from '../src/index.js';
import { PrivateRedis } from './support/private-redis.js';
import { dropStore, expectCode } from './support/store-support.js';

let server: PrivateRedis;
let second: PrivateRedis;
beforeAll(async () => {
  [server, second] = await Promise.all([PrivateRedis.start({ aof: true }), PrivateRedis.start({ aof: true })]);
});
afterAll(async () => {
  await Promise.all([server?.destroy(), second?.destroy()]);
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function opened(options: Partial<RedisStoreOptions> = {}): Promise<RedisStore> {
  const name = uniqueName('data');
  const store = new RedisStore({ url: server.url, name, ...options });
  cleanups.push(() => dropStore([server, second], name));
  cleanups.push(() => store.close());
  await store.open();
  return store;
}

async function collect(store: RedisStore, namespace: string, range?: StoreRange): Promise<StoreEntry[]> {
  const entries: StoreEntry[] = [];
  for await (const entry of store.entries(namespace, range)) entries.push(entry);
  return entries;
}

describe('RedisStore data', () => {
  it('round-trips all 256 byte values, and values of 8 MB, through get, getMany and entries', async () => {
    const store = await opened();
    const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const large = randomBytes(8 << 20);
    await store.batch([putOp('inbox', 'every', every), putOp('inbox', 'large', large), putOp('inbox', 'reversed', Buffer.from(every).reverse())]);
    expect(Buffer.compare((await store.get('inbox', 'every'))!, every)).toBe(0);
    expect(Buffer.compare((await store.get('inbox', 'large'))!, large)).toBe(0);
    const [a, b] = await store.getMany('inbox', ['large', 'every']);
    expect(Buffer.compare(a!, large) === 0 && Buffer.compare(b!, every) === 0).toBe(true);
    const entries = await collect(store, 'inbox');
    expect(entries.map((e) => e.key)).toEqual(['every', 'large', 'reversed']);
    expect(Buffer.compare(entries[1]!.value, large)).toBe(0);
  });

  it('keeps unicode keys, NUL, lone surrogates and characters above U+FFFF exactly, in JavaScript string order', async () => {
    const store = await opened();
    const keys = ['ключ', '键', '🔑', '😀', '\uFFFF', '\uE000', 'a\0b', 'a', 'a\0', '\0', '', 'x\uD800', 'x\uDBFF\uDFFF', 'é', 'e\u0301'];
    await store.batch(keys.map((key, i) => putOp('inbox', key, Buffer.from(String(i)))));
    for (const [i, key] of keys.entries()) expect((await store.get('inbox', key))?.toString(), JSON.stringify(key)).toBe(String(i));
    const sorted = [...keys].sort();
    expect((await collect(store, 'inbox')).map((e) => e.key)).toEqual(sorted);
    expect((await collect(store, 'inbox', { reverse: true })).map((e) => e.key)).toEqual([...sorted].reverse());
    // A range bound between a supplementary character and U+FFFF, where UTF-8 byte order would disagree.
    expect((await collect(store, 'inbox', { gt: '🔑', lt: '\uFFFF' })).map((e) => e.key)).toEqual(sorted.filter((k) => k > '🔑' && k < '\uFFFF'));
    expect(await store.count('inbox')).toBe(keys.length);
  });

  it('stores ASCII keys as they are, so redis-cli shows them', async () => {
    const store = await opened();
    await store.batch([putOp('outbox', 'dest\0id-1', Buffer.from('v'))]);
    const client = server.client();
    try {
      expect(await client.zrange(`resolute:{store:${store.name}}:z:outbox`, 0, -1)).toEqual(['dest\0id-1']);
      expect(await client.hget(`resolute:{store:${store.name}}:h:outbox`, 'dest\0id-1')).toBe('v');
    } finally {
      client.disconnect();
    }
  });

  it('pages entries() by pageSize and by bytes, in both directions, with bounds and limits across pages', async () => {
    const store = await opened({ pageSize: 3 });
    const keys = Array.from({ length: 20 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    await store.batch(keys.map((key) => putOp('outbox', key, Buffer.from(key))));
    expect((await collect(store, 'outbox')).map((e) => e.key)).toEqual(keys);
    expect((await collect(store, 'outbox', { reverse: true })).map((e) => e.key)).toEqual([...keys].reverse());
    expect((await collect(store, 'outbox', { gt: 'k03', lte: 'k15', limit: 7 })).map((e) => e.key)).toEqual(keys.slice(4, 11));
    expect((await collect(store, 'outbox', { gte: 'k03', lt: 'k15', reverse: true, limit: 5 })).map((e) => e.key)).toEqual(keys.slice(10, 15).reverse());
    // Five values of 1.5 MB: a page stops at 4 MiB of values, so they come in several round trips, all of them.
    const big = Array.from({ length: 5 }, () => randomBytes(1_500_000));
    const wide = await opened({ pageSize: 100 });
    await wide.batch(big.map((value, i) => putOp('inbox', `b${i}`, value)));
    const got = await collect(wide, 'inbox');
    expect(got.map((e) => e.key)).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
    for (const [i, entry] of got.entries()) expect(Buffer.compare(entry.value, big[i]!)).toBe(0);
  });

  it('applies a batch of 30,000 operations as one atomic script', async () => {
    const store = await opened();
    const ops = Array.from({ length: 30_000 }, (_, i) => putOp('dedupe', `m${String(i).padStart(6, '0')}`, Buffer.from('1')));
    await store.batch(ops);
    expect(await store.count('dedupe')).toBe(30_000);
    await store.batch(ops.map((op) => delOp(op.namespace, op.key)));
    expect(await store.count('dedupe')).toBe(0);
    expect(await store.namespaces()).toEqual(['meta']);
  });

  it('refuses (STORE_CORRUPT) a batch touching a key something else wrote with another type, applying nothing of it', async () => {
    const store = await opened();
    await store.batch([putOp('inbox', 'kept', Buffer.from('1'))]);
    const client = server.client();
    try {
      await client.set(`resolute:{store:${store.name}}:z:dead`, 'not a sorted set');
    } finally {
      client.disconnect();
    }
    const error = await expectCode(() => store.batch([putOp('inbox', 'new', Buffer.from('x')), delOp('inbox', 'kept'), putOp('dead', 'k', Buffer.from('x'))]), 'STORE_CORRUPT');
    expect(error.message).toContain(':z:dead holds a string');
    expect(error.message).toContain('Nothing of the batch was applied');
    expect((await collect(store, 'inbox')).map((e) => e.key)).toEqual(['kept']);
  });

  it('leaves each namespace as applying every operation in order would, across runs of puts and deletes of any length', async () => {
    const store = await opened();
    // A model beside the store, fed the same pseudo-random operations: puts and deletes over few keys (so keys repeat,
    // get deleted and come back within one batch), runs longer than one script command takes, namespaces that empty.
    const model = new Map<string, Map<string, string>>([['inbox', new Map()], ['outbox', new Map()], ['dead', new Map()]]);
    let seed = 7;
    const next = (n: number): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
    const spaces = [...model.keys()];
    for (let round = 0; round < 4; round++) {
      const ops = [];
      for (let i = 0; i < 3000; i++) {
        const namespace = spaces[next(3)]!;
        const key = `k${next(round === 2 ? 5000 : 40)}`;
        if (next(3) === 0) {
          ops.push(delOp(namespace, key));
          model.get(namespace)!.delete(key);
        } else {
          const value = `${round}.${i}`;
          ops.push(putOp(namespace, key, Buffer.from(value)));
          model.get(namespace)!.set(key, value);
        }
      }
      // A long run of puts, then deletes of all of them, in one namespace.
      for (let i = 0; i < 4500; i++) ops.push(putOp('outbox', `run${i}`, Buffer.from('x')));
      for (let i = 0; i < 4500; i++) ops.push(delOp('outbox', `run${i}`));
      if (round === 3) for (const key of model.get('dead')!.keys()) ops.push(delOp('dead', key));
      if (round === 3) model.get('dead')!.clear();
      await store.batch(ops);
      for (const [namespace, entries] of model) {
        const stored = await collect(store, namespace);
        expect(stored.map((e) => `${e.key}=${e.value.toString()}`)).toEqual([...entries].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`));
      }
    }
    expect(await store.namespaces()).toEqual(['inbox', 'meta', 'outbox']);
  });

  it('sends the script whole when the server lost it (SCRIPT FLUSH, a restart), applying each batch once, in order', async () => {
    const store = await opened();
    await store.batch([putOp('inbox', 'a', Buffer.from('1'))]);
    const client = server.client();
    try {
      await client.script('FLUSH');
    } finally {
      client.disconnect();
    }
    const batches = Array.from({ length: 20 }, (_, i) => store.batch([putOp('inbox', 'a', Buffer.from(String(i + 2))), putOp('inbox', `k${i}`, Buffer.from('x'))]));
    await Promise.all(batches);
    expect((await store.get('inbox', 'a'))?.toString()).toBe('21');
    expect(await store.count('inbox')).toBe(21);
  });

  it('refuses (STORE_CORRUPT) a batch when the namespaces set holds another type, applying nothing of it', async () => {
    const store = await opened();
    const client = server.client();
    try {
      await client.set(`resolute:{store:${store.name}}:namespaces`, 'not a set');
    } finally {
      client.disconnect();
    }
    const error = await expectCode(() => store.batch([putOp('inbox', 'new', Buffer.from('x'))]), 'STORE_CORRUPT');
    expect(error.message).toContain(':namespaces holds a string');
    expect(await store.get('inbox', 'new')).toBeUndefined();
  });

  it('refuses batches on a store opened readOnly, which reads and does not take the lock', async () => {
    const writer = await opened();
    await writer.batch([putOp('inbox', 'k', Buffer.from('v'))]);
    const reader = new RedisStore({ url: server.url, name: writer.name, readOnly: true });
    cleanups.push(() => reader.close());
    await reader.open();
    expect((await reader.get('inbox', 'k'))?.toString()).toBe('v');
    await expectCode(() => reader.batch([putOp('inbox', 'x', Buffer.from('y'))]), 'UNSUPPORTED');
    expect((await reader.inspectLock()).holder?.pid).toBe(process.pid);
  });

  it('lives on one shard when given several, chosen by its name', async () => {
    const store = await opened({ url: undefined, shards: [server.url, second.url] });
    await store.batch([putOp('inbox', 'k', Buffer.from('v'))]);
    const pattern = `resolute:{store:${store.name}}:*`;
    const counts = [(await server.keys(pattern)).length, (await second.keys(pattern)).length];
    expect(counts.filter((n) => n > 0)).toHaveLength(1);
    expect((await store.get('inbox', 'k'))?.toString()).toBe('v');
  });

  it('rejects reads and writes on a store not open or closed with STORE_CLOSED, and bad arguments with INVALID_ARGUMENT', async () => {
    const never = new RedisStore({ url: server.url, name: uniqueName('closed') });
    await expectCode(() => never.get('inbox', 'k'), 'STORE_CLOSED');
    const store = await opened();
    await expectCode(() => store.get('in box', 'k'), 'INVALID_ARGUMENT');
    await expectCode(() => store.batch([putOp('inbox', 'k', 'text' as unknown as Uint8Array)]), 'INVALID_ARGUMENT');
    await expectCode(() => store.batch([putOp('meta', 'layout', Buffer.from('9'))]), 'INVALID_ARGUMENT');
    await expectCode(() => collect(store, 'inbox', { limit: -1 }), 'INVALID_ARGUMENT');
    await store.close();
    await expectCode(() => store.count('inbox'), 'STORE_CLOSED');
    await expectCode(() => collect(store, 'inbox'), 'STORE_CLOSED');
  });
});
