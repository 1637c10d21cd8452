import { hostname } from 'node:os';
import { putOp } from '@resolute/core';
import { uniqueName, waitFor } from '@resolute/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore, type RedisStoreOptions } from '../src/index.js';
import { startReported } from './support/fixtures.js';
import { PrivateRedis } from './support/private-redis.js';
import { dropStore, expectCode, recordingLogger } from './support/store-support.js';

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

function storeName(): string {
  const name = uniqueName('lock');
  cleanups.push(() => dropStore([server], name));
  return name;
}

function store(name: string, options: Partial<RedisStoreOptions> = {}): RedisStore {
  const s = new RedisStore({ url: server.url, name, ...options });
  cleanups.push(() => s.close());
  return s;
}

const lockKey = (name: string): string => `resolute:{store:${name}}:lock`;

async function raw<T>(work: (client: ReturnType<PrivateRedis['client']>) => Promise<T>): Promise<T> {
  const client = server.client();
  try {
    return await work(client);
  } finally {
    client.disconnect();
  }
}

/** A process of its own that opens the store and holds it until killed. */
async function holder(name: string, lockTtlMs = 30_000): Promise<Awaited<ReturnType<typeof startReported>>['child']> {
  const { child, first } = await startReported('store-holder.mjs', [server.url, name, String(lockTtlMs)]);
  cleanups.push(() => child.kill());
  expect(first).toMatchObject({ event: 'ready', pid: child.pid });
  return child;
}

describe('the RedisStore lock', () => {
  it('refuses a second open of the same store name in this process, naming the holder and what to do', async () => {
    const name = storeName();
    const first = store(name);
    await first.open();
    const error = await expectCode(() => store(name).open(), 'STORE_LOCKED');
    expect(error.message).toContain(`process ${process.pid} on ${hostname()}`);
    expect(error.message).toContain('stop that process');
    expect(error.message).toContain(`resolute unlock --redis ${server.url} --name ${name}`);
    await first.batch([putOp('inbox', 'k', Buffer.from('still mine'))]);
    expect((await first.get('inbox', 'k'))?.toString()).toBe('still mine');
  });

  it('refuses while another live process holds the store, and reports it as alive', async () => {
    const name = storeName();
    const child = await holder(name);
    const refused = store(name);
    const error = await expectCode(() => refused.open(), 'STORE_LOCKED');
    expect(error.message).toContain(`process ${child.pid} on ${hostname()}`);
    expect(await refused.inspectLock()).toMatchObject({ state: 'alive', holder: { pid: child.pid, hostname: hostname(), version: '0.1.0' } });
    await expectCode(() => refused.removeLock(), 'STORE_LOCKED');
  });

  it('lets stores of different names coexist on one server', async () => {
    const [a, b] = [store(storeName()), store(storeName())];
    await Promise.all([a.open(), b.open()]);
    await a.batch([putOp('inbox', 'k', Buffer.from('a'))]);
    await b.batch([putOp('inbox', 'k', Buffer.from('b'))]);
    expect((await a.get('inbox', 'k'))?.toString()).toBe('a');
    expect((await b.get('inbox', 'k'))?.toString()).toBe('b');
  });

  it("takes over at once the lock of a killed process of this host (staleLock 'takeover'), warning through the logger", async () => {
    const name = storeName();
    const child = await holder(name);
    await child.kill();
    const logger = recordingLogger();
    const taker = store(name, { logger });
    await taker.open();
    await taker.batch([putOp('inbox', 'k', Buffer.from('v'))]);
    expect((await taker.inspectLock()).holder?.pid).toBe(process.pid);
    const warnings = logger.records.filter((r) => r.level === 'warn' && r.msg?.includes('took over'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.obj).toMatchObject({ stalePid: child.pid });
  });

  it("refuses a dead holder's lock with staleLock 'refuse' until it expires, then opens", async () => {
    const name = storeName();
    const child = await holder(name, 1_000);
    await child.kill();
    const error = await expectCode(() => store(name, { staleLock: 'refuse' }).open(), 'STORE_LOCKED');
    expect(error.message).toContain(`process ${child.pid}`);
    expect(error.message).toContain('no longer running');
    await waitFor(() => raw(async (c) => (await c.exists(lockKey(name))) === 0), { timeoutMs: 5_000, message: 'the lock expired' });
    await store(name, { staleLock: 'refuse' }).open();
  });

  it('refuses a lock held on another host, naming it, and takes it once it expired', async () => {
    const name = storeName();
    const foreign = { pid: 4242, hostname: `not-${hostname()}`, startedAt: new Date().toISOString(), version: '0.1.0', token: 'x' };
    await raw((c) => c.set(lockKey(name), JSON.stringify(foreign), 'PX', 800));
    const error = await expectCode(() => store(name).open(), 'STORE_LOCKED');
    expect(error.message).toContain(`process 4242 on not-${hostname()}`);
    expect(error.message).toContain('another host, whose liveness cannot be checked from here');
    expect(error.message).toMatch(/expires in 1 s/);
    await waitFor(() => raw(async (c) => (await c.exists(lockKey(name))) === 0), { timeoutMs: 5_000, message: 'the lock expired' });
    const s = store(name);
    await s.open();
    expect((await s.inspectLock()).state).toBe('alive');
  });

  it('renews its lock while open, and deletes it on close', async () => {
    const name = storeName();
    const s = store(name, { lockTtlMs: 600 });
    await s.open();
    const ttls: number[] = [];
    // Seen twice with more time left than before: renewed (a lock left alone only counts down).
    await waitFor(
      async () => {
        ttls.push(await raw((c) => c.pttl(lockKey(name))));
        return ttls.length > 1 && ttls.at(-1)! > ttls.at(-2)!;
      },
      { timeoutMs: 3_000, intervalMs: 50, message: () => `renewals (ttls ${ttls.join(',')})` },
    );
    await s.close();
    expect(await raw((c) => c.exists(lockKey(name)))).toBe(0);
  });

  it('stops writing once another instance took its lock (fencing in the batch script), and says so', async () => {
    const name = storeName();
    const logger = recordingLogger();
    const s = store(name, { logger });
    await s.open();
    await s.batch([putOp('inbox', 'before', Buffer.from('1'))]);
    const thief = { pid: 1, hostname: 'elsewhere', startedAt: new Date().toISOString(), version: '0.1.0', token: 't' };
    await raw((c) => c.set(lockKey(name), JSON.stringify(thief), 'PX', 60_000));
    const error = await expectCode(() => s.batch([putOp('inbox', 'after', Buffer.from('2'))]), 'STORE_LOCKED');
    expect(error.message).toContain('process 1 on elsewhere');
    expect(await s.get('inbox', 'after')).toBeUndefined();
    await expectCode(() => s.batch([putOp('inbox', 'later', Buffer.from('3'))]), 'STORE_LOCKED');
    expect(logger.records.some((r) => r.level === 'error' && r.msg?.includes('lost the lock'))).toBe(true);
    await s.close();
    expect(JSON.parse((await raw((c) => c.get(lockKey(name))))!)).toMatchObject({ hostname: 'elsewhere' });
  });

  it('takes its lock again when it expired and nobody took it (Redis lost it, or a long pause)', async () => {
    const name = storeName();
    const logger = recordingLogger();
    const s = store(name, { logger });
    await s.open();
    await raw((c) => c.del(lockKey(name)));
    await s.batch([putOp('inbox', 'k', Buffer.from('v'))]);
    expect((await s.inspectLock()).holder?.pid).toBe(process.pid);
    expect(logger.records.some((r) => r.level === 'warn' && r.msg?.includes('taken again'))).toBe(true);
  });

  it('removeLock removes a dead holder, refuses a live or foreign one without force', async () => {
    const name = storeName();
    const child = await holder(name);
    const s = store(name);
    await expectCode(() => s.removeLock(), 'STORE_LOCKED');
    await child.kill();
    expect(await s.removeLock()).toMatchObject({ removed: true, before: { state: 'dead', holder: { pid: child.pid } } });
    expect(await s.removeLock()).toMatchObject({ removed: false, before: { state: 'none' } });
    await raw((c) => c.set(lockKey(name), 'not json'));
    await expectCode(() => s.removeLock(), 'STORE_LOCKED');
    expect(await s.removeLock({ force: true })).toMatchObject({ removed: true, before: { state: 'unreadable' } });
    await s.open();
  });
});
