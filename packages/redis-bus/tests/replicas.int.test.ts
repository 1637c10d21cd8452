// The connection's `replicas` option on a private master and replica (redis-server, no sentinel): every acknowledged
// write (a transport send, a queue push, a 'sync' store batch) waits for the replica with WAIT, and fails with a
// retryable TIMEOUT when it does not confirm in time; the replica killed and restarted in between.
import { createBus, MemoryStore, type Bus, type ResoluteError, type SendOutcome } from '@resolute/core';
import { uniqueName, waitFor } from '@resolute/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisBus, RedisConnection, RedisStore, RedisTransport } from '../src/index.js';
import { PrivateCluster, PrivateRedis } from './support/private-redis.js';
import { expectCode } from './support/store-support.js';

const TIMEOUT_MS = 1_000;
let master: PrivateRedis;
let replica: PrivateRedis;
const closers = new Set<{ close(): Promise<void> }>();

beforeAll(async () => {
  master = await PrivateRedis.start({ aof: true, args: ['--repl-diskless-sync-delay', '0'] });
  replica = await PrivateRedis.start({ aof: true, args: ['--replicaof', '127.0.0.1', String(master.port)] });
  await replicaOnline();
});
afterAll(async () => {
  await Promise.all([replica?.destroy(), master?.destroy()]);
});
afterEach(async () => {
  await Promise.all([...closers].map((c) => c.close()));
  closers.clear();
});

async function replicaOnline(): Promise<void> {
  const client = master.client();
  try {
    await waitFor(async () => /^slave0:.*state=online/m.test(await client.info('replication')), { timeoutMs: 20_000, intervalMs: 50, message: 'the replica in sync' });
  } finally {
    client.disconnect();
  }
}

async function connect(count: number): Promise<RedisBus> {
  const bus = await RedisBus.connect({ url: master.url, replicas: { count, timeoutMs: TIMEOUT_MS }, maxReconnectDelayMs: 200 });
  closers.add(bus);
  return bus;
}

describe('replicas: WAIT behind every acknowledged write', () => {
  it('refuses bad replicas options by field name', async () => {
    await expect(RedisConnection.open({ url: master.url, replicas: { count: 0, timeoutMs: 100 } })).rejects.toMatchObject({ code: 'INVALID_CONFIG', details: { fields: ['replicas.count'] } });
    await expect(RedisConnection.open({ url: master.url, replicas: { count: 1 } } as never)).rejects.toMatchObject({ code: 'INVALID_CONFIG', details: { fields: ['replicas.timeoutMs'] } });
    expect(() => new RedisStore({ url: master.url, name: 'x', replicas: { count: 1, timeoutMs: -1 } })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', details: { fields: ['replicas.timeoutMs'] } }));
    expect(() => new RedisTransport({ url: master.url, replicas: { count: 1, timeoutMs: 100, extra: 1 } as never })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });

  it('resolves a push once the replica has it; with more replicas required than exist, fails it (applied) and then sends no more', async () => {
    const name = uniqueName('wait');
    const one = (await connect(1)).queue(name);
    await one.push('confirmed');
    // Read from the replica itself (LLEN works there): it had the push when push resolved.
    const onReplica = await RedisBus.connect({ url: replica.url });
    closers.add(onReplica);
    expect(await onReplica.queue(name).count()).toBe(1);
    const two = (await connect(2)).queue(name);
    const started = Date.now();
    const refused = await expectCode(() => two.push('not confirmed'), 'TIMEOUT');
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(refused.retryable).toBe(true);
    expect(refused.details).toMatchObject({ confirmed: 1, required: 2, written: true });
    // Reported as failed, yet applied on the master: a retry may duplicate it.
    expect(await two.count()).toBe(2);
    // The next push on that connection first asks WAIT alone, and is not sent while the replicas stay short.
    const next = await expectCode(() => two.push('not sent'), 'TIMEOUT');
    expect(next.details).toMatchObject({ written: false });
    expect(await two.count()).toBe(2);
  });

  it('waits for the replica on sends and sync store batches; when it is down they fail (relaxed batches do not), and resume when it is back', async () => {
    const connection = (await connect(1)).connection;
    const store = new RedisStore({ connection, name: uniqueName('store') });
    closers.add(store);
    await store.open();
    const put = (key: string): Parameters<RedisStore['batch']>[0] => [{ type: 'put', namespace: 'n', key, value: Buffer.from(key) }];
    await store.batch(put('a'));

    const transport = new RedisTransport({ connection, sendTimeoutMs: 2_000, blockMs: 200 });
    const outcomes: SendOutcome[] = [];
    const send = transport.send.bind(transport);
    transport.send = async (batch, options) => {
      const result = await send(batch, options);
      outcomes.push(...result);
      return result;
    };
    const pub: Bus = await createBus({ name: uniqueName('pub'), transport, store: new MemoryStore(), outbox: { retry: { initialDelayMs: 50, maxDelayMs: 200 } }, closeTimeoutMs: 2_000 });
    closers.add(pub);
    const sub = await createBus({ name: uniqueName('sub'), transport: new RedisTransport({ url: master.url, blockMs: 200 }), store: new MemoryStore(), closeTimeoutMs: 2_000 });
    closers.add(sub);
    const topic = uniqueName('topic');
    const got: number[] = [];
    await sub.subscribe(topic, (n: number) => void got.push(n));
    await pub.publish(topic, 1);
    await waitFor(() => got.includes(1), { timeoutMs: 10_000 });
    expect(outcomes.every((o) => o.ok)).toBe(true);

    await replica.kill();
    try {
      await expectCode(() => store.batch(put('b')), 'TIMEOUT');
      await store.batch(put('c'), { durability: 'relaxed' });
      await pub.publish(topic, 2);
      await waitFor(() => outcomes.some((o) => !o.ok), { timeoutMs: 10_000, message: 'a send refused for want of the replica' });
      const refused = outcomes.find((o): o is { ok: false; error: ResoluteError } => !o.ok)!;
      expect(refused.error.code).toBe('TIMEOUT');
      expect(refused.error.retryable).toBe(true);
    } finally {
      await replica.boot();
    }
    await replicaOnline();
    // As a caller does: retry what failed. The replica just resynced (and rewrites its AOF): allow it a few tries.
    let attempts = 0;
    await waitFor(() => (attempts++, store.batch(put('d')).then(() => true)), { timeoutMs: 10_000, intervalMs: 100, message: 'a sync batch once the replica is back' });
    console.log(`[replicas] first sync batch after the replica came back: ${attempts} attempt(s)`);
    await waitFor(() => got.includes(2), { timeoutMs: 10_000, message: 'the refused event, sent again once the replica is back' });
    await waitFor(() => pub.stats().outboxInMemory === 0, { timeoutMs: 10_000 });
    expect((await store.get('n', 'd'))?.toString()).toBe('d');
  });

  it('costs a replica round trip per write (printed)', async () => {
    const rounds = 300;
    const time = async (bus: RedisBus): Promise<number> => {
      const queue = bus.queue(uniqueName('latency'));
      const started = process.hrtime.bigint();
      for (let i = 0; i < rounds; i++) await queue.push(String(i));
      return Number(process.hrtime.bigint() - started) / 1e6 / rounds;
    };
    const plain = await RedisBus.connect({ url: master.url });
    closers.add(plain);
    const waited = await connect(1);
    const [without, withWait] = [await time(plain), await time(waited)];
    console.log(`[replicas] one push at a time on loopback: ${without.toFixed(3)} ms without replicas, ${withWait.toFixed(3)} ms with replicas: { count: 1 }`);
    expect(withWait).toBeGreaterThan(0);
  });
});

describe('replicas on a Redis Cluster (three masters, no replicas)', () => {
  it('pipelines the keyless WAIT with a keyed write on a Cluster: each push is applied and reported failed, on every master', async () => {
    const cluster = await PrivateCluster.start(3);
    try {
      const bus = await RedisBus.connect({ cluster: { nodes: cluster.urls }, replicas: { count: 1, timeoutMs: 200 } });
      closers.add(bus);
      // Names spread over the masters. ioredis sends a Cluster pipeline whole to the node of its keys' slot, WAIT
      // included; with no replica anywhere this shows the pipeline works there (no CROSSSLOT, no MOVED) and the
      // shortfall is reported, not which node answered the WAIT: a Cluster with replicas is not tested here.
      const names = Array.from({ length: 6 }, () => uniqueName('cluster'));
      for (const name of names) {
        const refused = await expectCode(() => bus.queue(name).push('x'), 'TIMEOUT');
        expect(refused.details).toMatchObject({ confirmed: 0, required: 1, written: true });
        expect(await bus.queue(name).count()).toBe(1);
      }
      const perNode = await Promise.all(cluster.nodes.map((n) => n.dbsize()));
      expect(perNode.filter((n) => n > 0).length).toBeGreaterThan(1);
    } finally {
      await Promise.all([...closers].map((c) => c.close()));
      closers.clear();
      await cluster.destroy();
    }
  }, 60_000);
});
