// The redis bench's cases. Each moves n messages from a producer to a consumer through the same private Redis, in
// this process, with at most WINDOW messages in flight (added, not yet handled) and CONCURRENCY handlers at once:
// - raw Redis Streams: XADD (pipelined), XREADGROUP COUNT 100 BLOCK on its own connection, XACK per read batch.
// - BullMQ: Queue.add per message (removeOnComplete), a Worker with the same concurrency, a no-op processor.
// - Resolute redis-bus: bus A publishes to a topic, bus B's handler runs (outbox, XADD, consumer group, inbox,
//   handler, XACK): at-least-once with both sides' stores. With the Redis Store on the same server, a resolved
//   publish is exactly as durable as a resolved BullMQ add (it is in Redis): the like-for-like row.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBus, MemoryStore } from '@resolute/core';
import { LevelStore } from '@resolute/level-store';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { percentile } from './format.mjs';

export const WINDOW = 1000;
export const CONCURRENCY = 16;
let counter = 0;

function gate() {
  let wake;
  return { wait: () => new Promise((resolve) => (wake = resolve)), poke: () => wake?.() };
}

/** Shared bookkeeping: send times, latencies, the window, completion. */
function tracker(n) {
  const sentAt = new Float64Array(n);
  const latencies = new Float64Array(n);
  const room = gate();
  let received = 0;
  let finish;
  const done = new Promise((resolve) => (finish = resolve));
  return {
    sentAt,
    done,
    get received() {
      return received;
    },
    async admit(i) {
      while (i - received >= WINDOW) await room.wait();
      sentAt[i] = performance.now();
    },
    handled(i) {
      latencies[received] = performance.now() - sentAt[i];
      received++;
      room.poke();
      if (received === n) finish();
    },
    result: (ms, extra = {}) => ({ n, ms, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), ...extra }),
  };
}

export async function rawStreamsRun(redis, { size, n }) {
  const stream = `bench:raw:${process.pid}:${++counter}`;
  const producer = new Redis(redis.url);
  const consumer = new Redis(redis.url);
  const t = tracker(n);
  const body = Buffer.alloc(size, 120);
  let running = true;
  try {
    await producer.xgroup('CREATE', stream, 'g', '$', 'MKSTREAM');
    const consume = (async () => {
      while (running && t.received < n) {
        const reply = await consumer.xreadgroupBuffer('GROUP', 'g', 'c', 'COUNT', 100, 'BLOCK', 100, 'STREAMS', stream, '>');
        if (reply === null) continue;
        const entries = reply[0][1];
        const ids = [];
        // Handlers run CONCURRENCY at a time, like the other cases' workers (a no-op here, so this is the floor).
        for (const [id, fields] of entries) {
          t.handled(fields[1].readUInt32BE(0));
          ids.push(id);
        }
        await consumer.xack(stream, 'g', ...ids);
      }
    })();
    const start = performance.now();
    let pipeline = producer.pipeline();
    let pending = [];
    for (let i = 0; i < n; i++) {
      await t.admit(i);
      const message = Buffer.from(body);
      message.writeUInt32BE(i, 0);
      pipeline.xadd(stream, '*', 'm', message);
      if (pipeline.length >= 100) {
        pending.push(pipeline.exec());
        pipeline = producer.pipeline();
      }
      if (pending.length >= 4) await Promise.all(pending.splice(0));
    }
    if (pipeline.length > 0) pending.push(pipeline.exec());
    await Promise.all(pending);
    await t.done;
    const ms = performance.now() - start;
    return t.result(ms);
  } finally {
    running = false;
    await producer.del(stream);
    producer.disconnect();
    consumer.disconnect();
  }
}

export async function bullmqRun(redis, { size, n }) {
  const name = `bench-bull-${process.pid}-${++counter}`;
  const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
  const queue = new Queue(name, { connection });
  const t = tracker(n);
  const pad = 'x'.repeat(Math.max(0, size - 20));
  const worker = new Worker(name, async (job) => t.handled(job.data.i), { connection, concurrency: CONCURRENCY, removeOnComplete: { count: 0 }, removeOnFail: { count: 0 } });
  try {
    await worker.waitUntilReady();
    const start = performance.now();
    const adds = [];
    for (let i = 0; i < n; i++) {
      await t.admit(i);
      adds.push(queue.add('m', { i, pad }, { removeOnComplete: true, removeOnFail: true }));
      if (adds.length >= 256) await Promise.all(adds.splice(0));
    }
    await Promise.all(adds);
    await t.done;
    const ms = performance.now() - start;
    return t.result(ms);
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

export async function busRun(redis, { size, n, store }) {
  const id = `${process.pid}-${++counter}`;
  // Loaded here, not at the top: the other cases run without the package built.
  const { RedisStore, RedisTransport } = await import('@resolute/redis-bus');
  const dir = store === 'level' ? await mkdtemp(join(tmpdir(), 'redis-bench-')) : undefined;
  const makeStore = (name) => {
    if (store === 'redis') return new RedisStore({ url: redis.url, name });
    return dir === undefined ? new MemoryStore() : new LevelStore({ path: join(dir, name) });
  };
  const bus = (name) => createBus({ name, transport: new RedisTransport({ url: redis.url }), store: makeStore(name), inbox: { concurrency: CONCURRENCY } });
  const a = await bus(`bench-a-${id}`);
  const b = await bus(`bench-b-${id}`);
  const topic = `bench.${id}`;
  const pad = 'x'.repeat(Math.max(0, size - 20));
  const t = tracker(n);
  try {
    await b.subscribe(topic, (p) => t.handled(p.i));
    const publishes = [];
    const start = performance.now();
    for (let i = 0; i < n; i++) {
      await t.admit(i);
      publishes.push(a.publish(topic, { i, pad }));
      if (publishes.length >= 256) await Promise.all(publishes.splice(0));
    }
    await Promise.all(publishes);
    await t.done;
    const ms = performance.now() - start;
    return t.result(ms, { duplicates: b.stats().duplicates });
  } finally {
    await a.close();
    await b.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
}
