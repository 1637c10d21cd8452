import { jsonCodec, type IncomingMessage, type Receiver } from '@resolute/core';
import { deliverAll, freePort, messages, uniqueName, waitFor } from '@resolute/core/testing';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisConnection, RedisTransport, type RedisTransportInput } from '../src/index.js';
import { PrivateRedis } from './support/private-redis.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
let redis: PrivateRedis;
let look: Redis;
const open = new Set<RedisTransport>();
const gates = new Set<{ release(): void }>();

beforeAll(async () => {
  redis = await PrivateRedis.start({ aof: false });
  look = redis.client();
});
afterAll(async () => {
  look?.disconnect();
  await redis?.destroy();
});
afterEach(async () => {
  // A failed test may leave a batch held in a gate: close waits for batches in the bus's hands.
  for (const g of gates) g.release();
  gates.clear();
  await Promise.all([...open].map((t) => t.close()));
  open.clear();
});

/** A started transport whose receiver records the envelope ids it got (with repeats), or runs `receive` if given. */
async function endpoint(name: string, options: Partial<RedisTransportInput> = {}, receive?: Receiver): Promise<{ t: RedisTransport; ids: string[] }> {
  const t = new RedisTransport({ url: redis.url, blockMs: 100, leaseMs: 1_000, trimIntervalMs: 100, refusalDelayMs: 20, ...options });
  const ids: string[] = [];
  const record = async (batch: readonly IncomingMessage[]): Promise<void> => {
    if (receive) await receive(batch);
    for (const m of batch) ids.push(jsonCodec.decode(m.bytes).id);
  };
  await t.start({ endpoint: name, receive: record, logger: silent });
  open.add(t);
  return { t, ids };
}

/** A receiver that holds every batch until `release()` (a bus whose inbox write is slow or stuck). */
function gate(): { receive: Receiver; release(): void; waiting(): number } {
  let opened = false;
  const waiters: Array<() => void> = [];
  const g = {
    receive: () => (opened ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    release() {
      opened = true;
      for (const w of waiters.splice(0)) w();
    },
    waiting: () => waiters.length,
  };
  gates.add(g);
  return g;
}

const streamKey = (kind: 'e' | 't', name: string): string => `resolute:{${kind}:${name}}:stream`;

describe('RedisTransport on a private redis-server', () => {
  it('fails start with UNREACHABLE for a closed port and AUTH_FAILED for a wrong password, leaving nothing running', async () => {
    const start = (url: string, extra: Partial<RedisTransportInput> = {}) =>
      new RedisTransport({ url, connectTimeoutMs: 1_000, ...extra }).start({ endpoint: uniqueName('x'), receive: async () => undefined, logger: silent }).then(() => undefined, (e: unknown) => e as { code: string; message: string });
    const port = await freePort();
    expect(await start(`redis://127.0.0.1:${port}`)).toMatchObject({ code: 'UNREACHABLE', message: expect.stringContaining(String(port)) });
    const secured = await PrivateRedis.start({ aof: false, args: ['--requirepass', 's3cret'] });
    try {
      expect((await start(secured.url, { password: 'wrong' }))?.code).toBe('AUTH_FAILED');
      expect((await start(secured.url))?.code).toBe('AUTH_FAILED');
      expect(await start(secured.url, { password: 's3cret' })).toBeUndefined();
    } finally {
      await secured.destroy();
    }
  });

  it('deletes an endpoint stream’s entries as they are acknowledged', async () => {
    const b = await endpoint(uniqueName('b'));
    const a = await endpoint(uniqueName('a'));
    const batch = messages({ type: 'endpoint', address: b.t.address }, 300);
    await deliverAll(a.t, batch);
    await waitFor(() => b.ids.length >= 300, { timeoutMs: 10_000 });
    await waitFor(async () => (await look.xlen(streamKey('e', b.t.address))) === 0, { timeoutMs: 5_000, message: 'the endpoint stream to empty' });
  });

  it('stores nothing for a topic nobody subscribes to', async () => {
    const a = await endpoint(uniqueName('a'));
    const topic = uniqueName('nobody');
    const outcomes = await a.t.send(messages({ type: 'topic', topic }, 5));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(a.t.stats().unrouted).toBe(5);
    expect(await look.exists(streamKey('t', topic))).toBe(0);
  });

  it('appends one call’s messages stream by stream: a stream key of the wrong type fails its own messages only', async () => {
    const broken = uniqueName('broken');
    await look.set(streamKey('e', broken), 'not a stream');
    const b = await endpoint(uniqueName('b'));
    const a = await endpoint(uniqueName('a'));
    const outcomes = await a.t.send([...messages({ type: 'endpoint', address: broken }, 3), ...messages({ type: 'endpoint', address: b.t.address }, 4)]);
    expect(outcomes.slice(0, 3).map((o) => (o.ok ? 'ok' : o.error.code))).toEqual(['INTERNAL', 'INTERNAL', 'INTERNAL']);
    expect(outcomes.slice(3).every((o) => o.ok)).toBe(true);
    await waitFor(() => b.ids.length === 4, { timeoutMs: 5_000 });
  });

  it('trims a topic stream to what some group has not acknowledged: a slow group keeps its backlog, then it empties', async () => {
    const topic = uniqueName('trim');
    const slow = gate();
    const fast = await endpoint(uniqueName('fast'));
    const lagging = await endpoint(uniqueName('slow'), {}, slow.receive);
    await fast.t.subscribe(topic);
    await lagging.t.subscribe(topic);
    const pub = await endpoint(uniqueName('pub'));
    await deliverAll(pub.t, messages({ type: 'topic', topic }, 500));
    await waitFor(() => fast.ids.length === 500, { timeoutMs: 10_000 });
    await waitFor(() => slow.waiting() >= 1, { timeoutMs: 5_000 });
    // The fast group has acknowledged everything; both readers trim a few more times: the slow group's backlog stays.
    const rounds = fast.t.stats().housekeepingRounds + lagging.t.stats().housekeepingRounds;
    await waitFor(() => fast.t.stats().housekeepingRounds + lagging.t.stats().housekeepingRounds >= rounds + 4, { timeoutMs: 5_000 });
    const kept = await look.xlen(streamKey('t', topic));
    console.log(`[redis trim] while one group lags: stream length ${kept} of 500`);
    expect(kept).toBe(500);
    slow.release();
    await waitFor(() => lagging.ids.length === 500, { timeoutMs: 10_000 });
    await waitFor(async () => (await look.xlen(streamKey('t', topic))) === 0, { timeoutMs: 5_000, message: 'the topic stream to be trimmed once every group acknowledged' });
    console.log(`[redis trim] after both groups acknowledged: stream length 0, trimmed ${fast.t.stats().trimmed + lagging.t.stats().trimmed}`);
    expect(new Set(fast.ids).size).toBe(500);
  });

  it.each([1, 3])('reads ahead: at most readAhead=%i batches in the bus’s hands at once, each acknowledged as it settles', async (readAhead) => {
    const topic = uniqueName('ahead');
    let holding = 0;
    let most = 0;
    const sub = await endpoint(uniqueName('sub'), { maxBatch: 10, readAhead }, async () => {
      most = Math.max(most, ++holding);
      await new Promise((resolve) => setTimeout(resolve, 20));
      holding--;
    });
    await sub.t.subscribe(topic);
    const pub = await endpoint(uniqueName('pub'));
    await deliverAll(pub.t, messages({ type: 'topic', topic }, 100));
    await waitFor(() => sub.ids.length === 100, { timeoutMs: 10_000 });
    await waitFor(() => sub.t.stats().acked === 100, { timeoutMs: 5_000 });
    expect(most).toBe(readAhead);
    expect(new Set(sub.ids).size).toBe(100);
  });

  it('trims a group’s acknowledged head while its pending tail stays', async () => {
    const topic = uniqueName('partial');
    let accepted = 0;
    let limit = 100;
    const sub = await endpoint(uniqueName('sub'), { maxBatch: 50 }, async (batch) => {
      if (accepted >= limit) throw new Error('refusing on purpose');
      accepted += batch.length;
    });
    await sub.t.subscribe(topic);
    const pub = await endpoint(uniqueName('pub'));
    await deliverAll(pub.t, messages({ type: 'topic', topic }, 300));
    await waitFor(() => sub.t.stats().refusedBatches > 2, { timeoutMs: 10_000 });
    const unacknowledged = 300 - sub.ids.length;
    expect(unacknowledged).toBeGreaterThan(100);
    await waitFor(async () => (await look.xlen(streamKey('t', topic))) === unacknowledged, { timeoutMs: 5_000, message: 'the stream to keep exactly the unacknowledged entries' });
    limit = 1_000;
    await waitFor(async () => (await look.xlen(streamKey('t', topic))) === 0, { timeoutMs: 5_000 });
    expect(sub.ids.length).toBe(300);
  });

  it('hands a dead consumer’s pending entries to a live instance of the endpoint after the lease', async () => {
    const name = uniqueName('svc');
    const first = await endpoint(name);
    await first.t.close();
    const pub = await endpoint(uniqueName('pub'));
    const batch = messages({ type: 'endpoint', address: name }, 40);
    await deliverAll(pub.t, batch);
    // A process that read them and died: they sit in its pending list, never acknowledged.
    const read = (await look.xreadgroup('GROUP', name, 'dead-process', 'COUNT', 100, 'STREAMS', streamKey('e', name), '>')) as [string, unknown[]][];
    expect(read[0]![1]).toHaveLength(40);
    const started = Date.now();
    const live = await endpoint(name, { leaseMs: 1_000, reclaimIntervalMs: 200 });
    await waitFor(() => live.ids.length === 40, { timeoutMs: 10_000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(live.t.stats().reclaimed).toBe(40);
    expect(live.ids).toEqual(batch.map((m) => m.envelope.id));
    const pending = (await look.xpending(streamKey('e', name), name)) as [number];
    expect(pending[0]).toBe(0);
  });

  it('renews the lease of a batch the bus is still storing, so another instance does not take it', async () => {
    const name = uniqueName('slow');
    const pub = await endpoint(uniqueName('pub'));
    const held = messages({ type: 'endpoint', address: name }, 10);
    await deliverAll(pub.t, held); // waiting in the stream before the endpoint starts: its first read takes all 10
    const slow = gate();
    const a = await endpoint(name, { leaseMs: 600, reclaimIntervalMs: 100 }, slow.receive);
    await waitFor(() => slow.waiting() === 1, { timeoutMs: 5_000 });
    const b = await endpoint(name, { leaseMs: 600, reclaimIntervalMs: 100 });
    const since = Date.now();
    // Three leases pass while b tries to reclaim every 100 ms.
    await waitFor(() => Date.now() - since >= 1_800 && b.t.stats().reclaimRounds >= 10, { timeoutMs: 10_000 });
    expect(b.t.stats().reclaimed).toBe(0);
    slow.release();
    await waitFor(() => a.ids.length === 10, { timeoutMs: 5_000 });
    expect(b.ids).toEqual([]);
  });

  it('hands what it holds back on close, so another instance takes it at once rather than after the lease', async () => {
    const name = uniqueName('svc');
    const pub = await endpoint(uniqueName('pub'));
    await deliverAll(pub.t, messages({ type: 'endpoint', address: name }, 20));
    const refusing = await endpoint(name, { leaseMs: 60_000 }, async () => {
      throw new Error('refusing on purpose');
    });
    await waitFor(() => refusing.t.stats().refusedBatches >= 1, { timeoutMs: 5_000 });
    const other = await endpoint(name, { leaseMs: 60_000, reclaimIntervalMs: 100 });
    const closing = Date.now();
    await refusing.t.close();
    await waitFor(() => other.ids.length === 20, { timeoutMs: 5_000, message: 'the released entries to reach the other instance' });
    expect(Date.now() - closing).toBeLessThan(5_000);
    expect(other.t.stats().reclaimed).toBe(20);
  });

  it('closes without waiting for a blocked read', async () => {
    const { t } = await endpoint(uniqueName('idle'), { blockMs: 20_000 });
    await waitFor(() => t.stats().housekeepingRounds >= 1 && t.stats().reclaimRounds >= 1); // past its first rounds: blocked in XREADGROUP
    const started = Date.now();
    await t.close();
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('after unsubscribe hands over what was queued, skips later events, then destroys its group; subscribing again works', async () => {
    const topic = uniqueName('drain');
    const hold = gate();
    const sub = await endpoint(uniqueName('sub'), { maxBatch: 10 }, hold.receive);
    const other = await endpoint(uniqueName('other'));
    await sub.t.subscribe(topic);
    await other.t.subscribe(topic);
    const pub = await endpoint(uniqueName('pub'));
    const queued = messages({ type: 'topic', topic }, 30);
    await deliverAll(pub.t, queued);
    await waitFor(() => hold.waiting() === 1, { timeoutMs: 5_000 });
    await sub.t.unsubscribe(topic);
    await sub.t.unsubscribe(topic);
    const later = messages({ type: 'topic', topic }, 20);
    await deliverAll(pub.t, later);
    hold.release();
    await waitFor(() => new Set(sub.ids).size === 30 && new Set(other.ids).size === 50, { timeoutMs: 10_000 });
    expect(sub.ids.filter((id) => later.some((m) => m.envelope.id === id))).toEqual([]);
    const groups = async () => ((await look.xinfo('GROUPS', streamKey('t', topic))) as unknown[][]).map((g) => g[1]);
    await waitFor(async () => (await groups()).length === 1, { timeoutMs: 5_000, message: 'the drained group to be destroyed' });
    expect(await groups()).toEqual([other.t.address]);
    expect(await look.smembers(`resolute:{e:${sub.t.address}}:topics`)).toEqual(['']);
    expect(await look.hlen(`resolute:{e:${sub.t.address}}:draining`)).toBe(0);
    await sub.t.subscribe(topic);
    const again = messages({ type: 'topic', topic }, 5);
    await deliverAll(pub.t, again);
    await waitFor(() => again.every((m) => sub.ids.includes(m.envelope.id)), { timeoutMs: 5_000 });
  });

  it('reads the endpoint’s topics at start, and an unsubscribe by one instance ends the topic for every instance', async () => {
    const topic = uniqueName('shared');
    const name = uniqueName('svc');
    const one = await endpoint(name);
    await one.t.subscribe(topic);
    const two = await endpoint(name); // never calls subscribe: reads the topic from the endpoint's set
    expect(two.t.stats().readers).toBe(2);
    const pub = await endpoint(uniqueName('pub'));
    const before = messages({ type: 'topic', topic }, 40);
    await deliverAll(pub.t, before);
    await waitFor(() => before.every((m) => one.ids.includes(m.envelope.id) || two.ids.includes(m.envelope.id)), { timeoutMs: 5_000 });
    await one.t.unsubscribe(topic);
    await waitFor(async () => (await look.exists(streamKey('t', topic))) === 0, { timeoutMs: 5_000, message: 'the group (and the stream) to go' });
    await waitFor(() => one.t.stats().readers === 1 && two.t.stats().readers === 1, { timeoutMs: 5_000, message: 'both instances to stop reading the topic' });
    const after = await pub.t.send(messages({ type: 'topic', topic }, 5));
    expect(after.every((o) => o.ok)).toBe(true);
    expect(await look.exists(streamKey('t', topic))).toBe(0);
  });

  it('deletes a topic stream when its last group is destroyed', async () => {
    const topic = uniqueName('last');
    const sub = await endpoint(uniqueName('sub'));
    await sub.t.subscribe(topic);
    const pub = await endpoint(uniqueName('pub'));
    await deliverAll(pub.t, messages({ type: 'topic', topic }, 10));
    await waitFor(() => sub.ids.length === 10, { timeoutMs: 5_000 });
    await sub.t.unsubscribe(topic);
    await waitFor(async () => (await look.exists(streamKey('t', topic))) === 0, { timeoutMs: 5_000 });
  });

  it('recreates its groups and subscriptions after Redis lost its data (FLUSHALL)', async () => {
    const topic = uniqueName('wiped');
    const sub = await endpoint(uniqueName('sub'));
    await sub.t.subscribe(topic);
    const pub = await endpoint(uniqueName('pub'));
    await look.flushall();
    const groupOf = async (key: string) => ((await look.xinfo('GROUPS', key).catch(() => [])) as unknown[][]).map((g) => g[1]);
    await waitFor(async () => (await groupOf(streamKey('t', topic))).includes(sub.t.address) && (await groupOf(streamKey('e', sub.t.address))).includes(sub.t.address), {
      timeoutMs: 5_000,
      message: 'both groups to be created again',
    });
    expect(await look.smembers(`resolute:{e:${sub.t.address}}:topics`)).toContain(topic);
    const events = messages({ type: 'topic', topic }, 10);
    const commands = messages({ type: 'endpoint', address: sub.t.address }, 10);
    await deliverAll(pub.t, [...events, ...commands]);
    await waitFor(() => [...events, ...commands].every((m) => sub.ids.includes(m.envelope.id)), { timeoutMs: 5_000 });
  });

  it('uses a connection passed in and leaves it open on close', async () => {
    const connection = await RedisConnection.open({ url: redis.url });
    try {
      const b = await endpoint(uniqueName('b'), { connection, url: undefined });
      await b.t.close();
      expect(await connection.all[0]!.ping()).toBe('PONG');
    } finally {
      await connection.close();
    }
  });
});
