// Queues on a private redis-server: attach/detach and expiry, consume modes (max, peek, reliable), acks and lease
// redelivery, several reliable consumers, admin calls, counters, argument errors, and 100 queues at once.
import { uniqueName, waitFor } from '@resolute/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisBus, RedisConnection, type Queue, type QueueMessage } from '../src/index.js';
import { PrivateRedis } from './support/private-redis.js';

let redis: PrivateRedis;
const buses = new Set<RedisBus>();

beforeAll(async () => {
  redis = await PrivateRedis.start({ aof: false });
});
afterEach(async () => {
  await Promise.all([...buses].map((b) => b.close()));
  buses.clear();
});
afterAll(async () => {
  await redis?.destroy();
});

async function bus(): Promise<RedisBus> {
  const b = await RedisBus.connect({ url: redis.url, heartbeatMs: 100, livenessMs: 600 });
  buses.add(b);
  return b;
}

/** Messages a queue emits, in arrival order. */
function received(queue: Queue): QueueMessage[] {
  const out: QueueMessage[] = [];
  queue.on('message', (_body, _id, message) => out.push(message));
  return out;
}

async function pttl(key: string): Promise<number> {
  const client = redis.client();
  try {
    return await client.pttl(key);
  } finally {
    client.disconnect();
  }
}

describe('Queue attach and detach', () => {
  for (const order of ['first attacher detaches first', 'last attacher detaches first'] as const) {
    it(`keeps the queue while anyone is attached, then expires it after the ttl (${order})`, async () => {
      const b = await bus();
      const name = uniqueName('attach');
      const [x, y] = [b.queue(name), b.queue(name)];
      const events: string[] = [];
      x.on('attached', (existed) => events.push(`x attached ${existed}`));
      y.on('attached', (existed) => events.push(`y attached ${existed}`));
      x.on('detached', () => events.push('x detached'));
      y.on('detached', () => events.push('y detached'));
      expect(await x.exists()).toBe(false);
      expect(await x.attach({ ttlSeconds: 1 })).toBe(false);
      expect(await y.attach({ ttlSeconds: 1 })).toBe(true);
      await x.push('kept');
      const [first, second] = order === 'first attacher detaches first' ? [x, y] : [y, x];
      await first.detach();
      // Still attached by the other: the keys' expiry stays above the ttl (liveness + ttl, renewed by heartbeats).
      const meta = `resolute:{q:${name}}:meta`;
      await waitFor(async () => (await pttl(meta)) > 1_000, { timeoutMs: 2_000 });
      expect(await second.count()).toBe(1);
      await second.detach();
      expect(await pttl(meta)).toBeLessThanOrEqual(1_000);
      await waitFor(async () => !(await x.exists()), { timeoutMs: 5_000, message: 'queue expired after the last detach' });
      expect(await x.count()).toBe(0);
      expect(await redis.keys(`resolute:{q:${name}}*`)).toEqual([]);
      const label = first === x ? 'x' : 'y';
      expect(events).toEqual(['x attached false', 'y attached true', `${label} detached`, `${label === 'x' ? 'y' : 'x'} detached`]);
    });
  }

  it('survives when re-attached within the ttl', async () => {
    const b = await bus();
    const name = uniqueName('reattach');
    const q = b.queue(name);
    await q.attach({ ttlSeconds: 1 });
    await q.push('still here');
    await q.detach();
    expect(await q.attach({ ttlSeconds: 1 })).toBe(true);
    expect(await q.ttl()).toBe(1);
    // Well past the ttl, heartbeats keep it.
    await waitFor(async () => (await pttl(`resolute:{q:${name}}:list`)) > 1_000, { timeoutMs: 2_000 });
    const start = Date.now();
    await waitFor(() => Date.now() - start > 1_500, { timeoutMs: 3_000 });
    expect(await q.count()).toBe(1);
  });

  it('expires the queue of an attacher that vanished without detaching (liveness + ttl)', async () => {
    const b = await bus();
    const name = uniqueName('vanished');
    const q = b.queue(name);
    await q.attach({ ttlSeconds: 1 });
    await q.push('orphan');
    // Cut this bus off: no detach, no more heartbeats.
    for (const client of b.connection.all) client.disconnect();
    await waitFor(async () => (await redis.keys(`resolute:{q:${name}}*`)).length === 0, { timeoutMs: 6_000, message: 'orphaned queue expired' });
  });
});

describe('Queue consume', () => {
  it('stops after max messages, in push order', async () => {
    const q = (await bus()).queue(uniqueName('max'));
    await q.attach();
    const ids = await Promise.all(Array.from({ length: 10 }, (_, i) => q.push(`m${i}`)));
    expect(ids).toEqual(Array.from({ length: 10 }, (_, i) => String(i + 1)));
    const got = received(q);
    const consuming: boolean[] = [];
    q.on('consuming', (c) => consuming.push(c));
    q.consume({ max: 3 });
    await waitFor(() => consuming.join() === 'true,false');
    expect(got.map((m) => m.body)).toEqual(['m0', 'm1', 'm2']);
    expect(await q.count()).toBe(7);
    expect(q.consumed()).toBe(3);
    expect(q.pushed()).toBe(10);
  });

  it('peeks without removing, each message once, including later pushes', async () => {
    const b = await bus();
    const name = uniqueName('peek');
    const q = b.queue(name);
    await q.attach();
    for (let i = 0; i < 5; i++) await q.push(`p${i}`);
    const peeker = b.queue(name);
    await peeker.attach();
    const got = received(peeker);
    peeker.consume({ remove: false, peekIntervalMs: 20, prefetch: 2 });
    await waitFor(() => got.length === 5);
    await q.push('p5');
    await q.push('p6');
    await waitFor(() => got.length === 7);
    expect(got.map((m) => m.body)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
    expect(await q.count()).toBe(7);
    // A removing consumer still gets them all.
    const taken = received(q);
    q.consume();
    await waitFor(() => taken.length === 7);
    expect(await q.count()).toBe(0);
  });

  it('reliable: keeps a message until acked; a second ack reports false', async () => {
    const b = await bus();
    const name = uniqueName('ack');
    const q = b.queue(name);
    await q.attach();
    const got = received(q);
    q.consume({ reliable: true });
    await q.push(Buffer.from([0, 1, 2, 255]));
    await q.push('two');
    await waitFor(() => got.length === 2);
    expect(got[0]!.raw).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(got[0]!.attempt).toBe(1);
    const client = redis.client();
    try {
      expect(await client.zcard(`resolute:{q:${name}}:processing`)).toBe(2);
      expect(await got[0]!.ack()).toBe(true);
      expect(await q.ack(got[1]!.id)).toBe(true);
      expect(await q.ack(got[1]!.id)).toBe(false);
      expect(await client.zcard(`resolute:{q:${name}}:processing`)).toBe(0);
      expect(await client.hlen(`resolute:{q:${name}}:msgs`)).toBe(0);
    } finally {
      client.disconnect();
    }
  });

  it('reliable: an unacked message goes to another consumer after its lease, and the late ack reports false', async () => {
    const b = await bus();
    const name = uniqueName('lease');
    const [first, second] = [b.queue(name), b.queue(name)];
    await Promise.all([first.attach(), second.attach()]);
    const got1 = received(first);
    first.consume({ reliable: true, leaseMs: 400, prefetch: 1 });
    await first.push('slow');
    await waitFor(() => got1.length === 1);
    await first.stop();
    const got2 = received(second);
    second.consume({ reliable: true });
    await waitFor(() => got2.length === 1, { timeoutMs: 3_000 });
    expect(got2[0]!.body).toBe('slow');
    expect(got2[0]!.id).toBe(got1[0]!.id);
    expect(got2[0]!.attempt).toBe(2);
    expect(await got1[0]!.ack()).toBe(false);
    expect(await got2[0]!.ack()).toBe(true);
  });

  it('reliable: nack puts a message back at the head, and detach hands back unacked ones in order', async () => {
    const b = await bus();
    const name = uniqueName('nack');
    const q = b.queue(name);
    await q.attach();
    for (const body of ['a', 'b', 'c', 'd']) await q.push(body);
    const got = received(q);
    q.consume({ reliable: true, max: 3 });
    await waitFor(() => got.length === 3);
    expect(await got[1]!.nack()).toBe(true);
    expect(await q.count()).toBe(2);
    await q.detach();
    const other = b.queue(name);
    await other.attach();
    const again = received(other);
    other.consume({ reliable: true });
    await waitFor(() => again.length === 4);
    expect(again.map((m) => m.body)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('waits idle on a blocking pop, not a polling loop, wakes at once on a push, and stops on abort', async () => {
    const q = (await bus()).queue(uniqueName('idle'));
    await q.attach();
    const got = received(q);
    const abort = new AbortController();
    const consuming: boolean[] = [];
    q.on('consuming', (c) => consuming.push(c));
    q.consume({ reliable: true, blockMs: 500, signal: abort.signal });
    const stats = async (): Promise<{ blpop: number; evalsha: number }> => {
      const client = redis.client();
      try {
        const info = await client.info('commandstats');
        const calls = (cmd: string): number => Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
        return { blpop: calls('blpop'), evalsha: calls('evalsha') };
      } finally {
        client.disconnect();
      }
    };
    await q.push('first');
    await waitFor(() => got.length === 1);
    const before = await stats();
    const idleFrom = Date.now();
    await waitFor(() => Date.now() - idleFrom >= 1_500, { timeoutMs: 3_000, intervalMs: 100 });
    const after = await stats();
    console.log(`idle 1.5 s: ${after.blpop - before.blpop} BLPOP, ${after.evalsha - before.evalsha} EVALSHA (heartbeats)`);
    // About one BLPOP per blockMs (plus this test's other queues' heartbeats in evalsha): no hot loop.
    expect(after.blpop - before.blpop).toBeLessThanOrEqual(6);
    expect(after.evalsha - before.evalsha).toBeLessThan(60);
    const pushedAt = Date.now();
    await q.push('second');
    await waitFor(() => got.length === 2, { timeoutMs: 400 });
    expect(Date.now() - pushedAt).toBeLessThan(400);
    abort.abort();
    await waitFor(() => consuming.join() === 'true,false');
    expect(q.isConsuming).toBe(false);
  });

  it('iterates with for await, acking each message', async () => {
    const q = (await bus()).queue(uniqueName('iterate'));
    await q.attach();
    for (let i = 0; i < 25; i++) await q.push(`i${i}`);
    const bodies: string[] = [];
    for await (const message of q.messages({ reliable: true, prefetch: 4 })) {
      bodies.push(message.body);
      expect(await message.ack()).toBe(true);
      if (bodies.length === 25) break;
    }
    expect(bodies).toEqual(Array.from({ length: 25 }, (_, i) => `i${i}`));
    expect(q.isConsuming).toBe(false);
    expect(await q.count()).toBe(0);
  });
});

describe('Queue administration', () => {
  it('count, flush, exists and ttl', async () => {
    const q = (await bus()).queue(uniqueName('admin'));
    expect(await q.exists()).toBe(false);
    expect(await q.ttl()).toBeUndefined();
    await q.attach({ ttlSeconds: 7 });
    expect(await q.exists()).toBe(true);
    expect(await q.ttl()).toBe(7);
    for (let i = 0; i < 4; i++) await q.push(`f${i}`);
    expect(await q.count()).toBe(4);
    expect(await q.flush()).toBe(4);
    expect(await q.count()).toBe(0);
    expect(await q.exists()).toBe(true);
    expect(await q.push('after flush')).toBe('5');
    await q.destroy();
    expect(await q.exists()).toBe(false);
  });

  it('metadata: set, get, unset, and refused on a queue that does not exist', async () => {
    const b = await bus();
    const name = uniqueName('meta');
    const q = b.queue(name);
    await expect(q.metadata('owner', 'billing')).rejects.toMatchObject({ code: 'NOT_STARTED' });
    await q.attach();
    await q.metadata('owner', 'billing');
    expect(await b.queue(name).metadata('owner')).toBe('billing');
    expect(await q.metadata('missing')).toBeUndefined();
  });

  it('counts pushes and consumptions per instance', async () => {
    const b = await bus();
    const name = uniqueName('counters');
    const [producer, consumer] = [b.queue(name), b.queue(name)];
    await Promise.all([producer.attach(), consumer.attach()]);
    await Promise.all(Array.from({ length: 12 }, (_, i) => producer.push(`c${i}`)));
    const got = received(consumer);
    consumer.consume();
    await waitFor(() => got.length === 12);
    expect([producer.pushed(), producer.consumed(), consumer.pushed(), consumer.consumed()]).toEqual([12, 0, 0, 12]);
  });

  it('refuses bad arguments with INVALID_ARGUMENT saying what to pass', async () => {
    const b = await bus();
    expect(() => b.queue('has space')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('queue name') }));
    expect(() => b.queue('a{b}')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => b.queue('x', { heartbeatMs: 1_000, livenessMs: 1_000 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('livenessMs') }));
    const q = b.queue(uniqueName('args'));
    await expect(q.push(42 as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('JSON.stringify') });
    expect(() => q.consume()).toThrow(expect.objectContaining({ code: 'NOT_STARTED', message: expect.stringContaining('attach()') }));
    await q.attach();
    expect(() => q.consume({ max: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', details: { fields: ['max'] } }));
    expect(() => q.consume({ reliable: true, remove: false })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', details: { fields: ['reliable'] } }));
    expect(() => q.consume({ bogus: 1 } as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    await expect(q.attach({ ttlSeconds: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { fields: ['ttlSeconds'] } });
    q.consume();
    expect(() => q.consume()).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('stop()') }));
    await q.close();
    await expect(q.push('late')).rejects.toMatchObject({ code: 'BUS_CLOSED' });
    await expect(RedisBus.connect({ url: redis.url, heartbeatMs: 'fast' } as never)).rejects.toMatchObject({ code: 'INVALID_CONFIG', details: { fields: ['heartbeatMs'] } });
  });

  it('keeps every key of a queue under its hash tag', async () => {
    const b = await bus();
    const name = uniqueName('tag');
    const q = b.queue(name);
    await q.attach();
    await q.push('x');
    await q.metadata('k', 'v');
    const got = received(q);
    q.consume({ reliable: true, max: 1 });
    await waitFor(() => got.length === 1);
    const keys = await redis.keys(`*${name}*`);
    expect(keys.length).toBeGreaterThanOrEqual(5);
    for (const key of keys) expect(key.startsWith(`resolute:{q:${name}}:`)).toBe(true);
  });

  it('runs over a connection it does not own, and leaves it open when closed', async () => {
    const connection = await RedisConnection.open({ url: redis.url });
    try {
      const b = RedisBus.over(connection, { heartbeatMs: 100, livenessMs: 600 });
      const q = b.queue(uniqueName('over'));
      await q.attach();
      await q.push('shared');
      expect(await q.count()).toBe(1);
      await b.close();
      expect(() => b.queue('late')).toThrow(expect.objectContaining({ code: 'BUS_CLOSED' }));
      expect(await connection.all[0]!.ping()).toBe('PONG');
    } finally {
      await connection.close();
    }
  });
});
