// The producing side of each redis bench case (this process) and the consuming process it drives (redis-consumer.mjs),
// both on the bench's private redis-server. Every case keeps at most about WINDOW messages added and not yet handled:
// the consumer reports how many it handled every PROGRESS_STEP, over IPC. Latency is one way, from the add/publish
// call here to the handler there, by the wall clock both processes share (performance.timeOrigin + now()):
// - raw Redis Streams: XADD pipelined 100 at a time (at most 4 pipelines in flight); XREADGROUP, no-op, XACK there.
// - BullMQ: Queue.add per message (removeOnComplete), 256 adds in flight; a Worker with the same concurrency there.
// - Resolute redis-bus: bus A publishes to a topic (256 publishes in flight), bus B's handler runs there.
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ForkedPeer } from './forked-peer.mjs';
import { benchBus, RAW_SEQ_AT, RAW_TS_AT, WINDOW, wallNow } from './redis-common.mjs';

const CONSUMER = new URL('./redis-consumer.mjs', import.meta.url);
/** No single run (nor any wait in it) may take longer than this; the smoke run sets it lower. */
let RUN_TIMEOUT_MS = 120_000;
let runs = 0;

export function setRunTimeout(ms) {
  RUN_TIMEOUT_MS = ms;
}

/** The consuming process of one case, kept for all its rounds; see forked-peer.mjs. */
export const consumerProcess = (label) => new ForkedPeer(CONSUMER, label, () => RUN_TIMEOUT_MS);

export async function rawStreamsRun(consumer, redis, { size, n }) {
  const run = ++runs;
  const stream = `bench:raw:${process.pid}:${run}`;
  const producer = new Redis(redis.url);
  let setUp = false;
  try {
    await consumer.call({ type: 'setup', mode: 'streams', n, run, url: redis.url, stream }, 'ready');
    setUp = true;
    await producer.ping(); // connected before the clock starts
    const window = progressWindow(consumer, run);
    const meter = await cpuMeter(consumer, redis);
    const done = consumer.wait('done');
    const body = Buffer.alloc(size, 120);
    const started = wallNow();
    let pipeline = producer.pipeline();
    const pending = [];
    const send = () => {
      if (pipeline.length > 0) pending.push(pipeline.exec());
      pipeline = producer.pipeline();
    };
    for (let i = 0; i < n; i++) {
      // Send what waits in the pipeline before waiting for room, or those messages would wait with us.
      if (window.full(i)) send();
      await window.room(i);
      const message = Buffer.from(body);
      message.writeUInt32BE(i, RAW_SEQ_AT);
      message.writeDoubleBE(wallNow(), RAW_TS_AT);
      pipeline.xadd(stream, '*', 'm', message);
      if (pipeline.length >= 100) send();
      if (pending.length >= 4) await Promise.all(pending.splice(0));
    }
    send();
    await Promise.all(pending);
    const result = await done;
    window.close();
    return { n, ms: result.lastAt - started, p50: result.p50, p99: result.p99, duplicates: result.duplicates, cpu: await meter.stop(n) };
  } finally {
    if (setUp) await consumer.call({ type: 'teardown' }, 'closed');
    await producer.del(stream);
    producer.disconnect();
  }
}

export async function bullmqRun(consumer, redis, { size, n }) {
  const run = ++runs;
  const name = `bench-bull-${process.pid}-${run}`;
  const queue = new Queue(name, { connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null } });
  let setUp = false;
  try {
    await queue.waitUntilReady();
    await consumer.call({ type: 'setup', mode: 'bullmq', n, run, port: redis.port, queue: name }, 'ready');
    setUp = true;
    const window = progressWindow(consumer, run);
    const meter = await cpuMeter(consumer, redis);
    const done = consumer.wait('done');
    const pad = 'x'.repeat(Math.max(0, size - 40));
    const started = wallNow();
    const adds = [];
    for (let i = 0; i < n; i++) {
      await window.room(i);
      adds.push(queue.add('m', { i, ts: wallNow(), pad }, { removeOnComplete: true, removeOnFail: true }));
      if (adds.length >= 256) await Promise.all(adds.splice(0));
    }
    await Promise.all(adds);
    const result = await done;
    window.close();
    return { n, ms: result.lastAt - started, p50: result.p50, p99: result.p99, duplicates: result.duplicates, cpu: await meter.stop(n) };
  } finally {
    if (setUp) await consumer.call({ type: 'teardown' }, 'closed');
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

/**
 * Resolute: bus A here (its store: `store`; `direct`: outbox.direct) publishes to a topic that bus B, in the consumer
 * (same store kind, inbox `ack` if given), subscribed to. Timed from the first publish call to B's handler having run for all n; the CPU
 * marks wait until A's outbox has seen every delivery acknowledged, so A's bookkeeping is inside them.
 */
export async function busRun(consumer, redis, { size, n, store, ack, direct = false }) {
  const run = ++runs;
  const id = `${process.pid}-${run}`;
  const topic = `bench.${id}`;
  const { bus, dir } = await benchBus({ name: `bench-a-${id}`, url: redis.url, store, outbox: { direct } });
  let setUp = false;
  try {
    await consumer.call({ type: 'setup', mode: 'bus', n, run, url: redis.url, store, ack, name: `bench-b-${id}`, topic }, 'ready');
    setUp = true;
    const deadline = Date.now() + RUN_TIMEOUT_MS;
    const primed = consumer.wait('primed');
    await bus.publish(topic, { i: -1, ts: 0, pad: '' });
    await primed;
    while (bus.stats().delivered < 1) await pause(deadline, 'the probe to be acknowledged');
    const window = progressWindow(consumer, run);
    const meter = await cpuMeter(consumer, redis);
    const done = consumer.wait('done');
    const pad = 'x'.repeat(Math.max(0, size - 40));
    const started = wallNow();
    const publishes = [];
    for (let i = 0; i < n; i++) {
      await window.room(i);
      publishes.push(bus.publish(topic, { i, ts: wallNow(), pad }));
      if (publishes.length >= 256) await Promise.all(publishes.splice(0));
    }
    await Promise.all(publishes);
    const result = await done;
    window.close();
    while (bus.stats().delivered < n + 1) await pause(deadline, 'the last deliveries to be acknowledged');
    return { n, ms: result.lastAt - started, p50: result.p50, p99: result.p99, duplicates: result.duplicates + result.dropped, cpu: await meter.stop(n) };
  } finally {
    await bus.close();
    if (setUp) await consumer.call({ type: 'teardown' }, 'closed');
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * How many the consumer handled in run `run`, as far as its progress reports tell, and a wait for room: message `i`
 * may go once fewer than WINDOW before it are unhandled. The wait wakes on each report and every 100 ms, to notice a
 * dead consumer or the run's deadline.
 */
function progressWindow(consumer, run) {
  let handled = 0;
  let wake;
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  consumer.onProgress = (progress) => {
    if (progress.run !== run) return; // a late report from an earlier run
    handled = progress.handled;
    wake?.();
  };
  const full = (i) => i - handled >= WINDOW;
  return {
    full,
    async room(i) {
      while (full(i)) {
        if (consumer.failure !== undefined) throw consumer.failure;
        if (Date.now() > deadline) throw new Error(`${consumer.label}: the consumer handled only ${handled} of the first ${i} within ${RUN_TIMEOUT_MS} ms`);
        await new Promise((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100).unref();
        });
        wake = undefined;
      }
    },
    close() {
      consumer.onProgress = undefined;
    },
  };
}

/**
 * CPU time (user + system, every thread) of this process, of the consumer and of redis-server between start and
 * stop(n), in µs per message. The marks (an IPC round trip, an INFO) sit outside the timed part.
 */
async function cpuMeter(consumer, redis) {
  const redisBefore = await redis.cpuMs();
  const { cpu: theirs } = await consumer.call({ type: 'mark' }, 'marked');
  const ours = process.cpuUsage();
  return {
    async stop(n) {
      const mine = process.cpuUsage(ours);
      const { cpu } = await consumer.call({ type: 'mark' }, 'marked');
      const redisMs = (await redis.cpuMs()) - redisBefore;
      return {
        producer: (mine.user + mine.system) / n,
        consumer: (cpu.user + cpu.system - theirs.user - theirs.system) / n,
        redis: (redisMs * 1000) / n,
      };
    },
  };
}

async function pause(deadline, what) {
  if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  await sleep(2);
}
