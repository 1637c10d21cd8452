// The amqp bench's cases, each sending n messages from one side to the other of the same RabbitMQ, in this process,
// with at most WINDOW messages in flight (sent or published, not yet received by the consumer / handler):
// - raw amqplib: a confirm channel publishing persistent messages to a durable queue, a consumer on its own
//   connection with the same prefetch and a manual ack per message; "in flight" ends at the consumer.
// - Resolute amqp-adapter: bus A publishes to a topic, bus B's handler runs (outbox, confirm, queue, inbox, handler).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBus, createEnvelope, MemoryStore, silentLogger } from '@resolute/core';
import { AmqpTransport } from '@resolute/amqp-adapter';
import { LevelStore } from '@resolute/level-store';
import amqp from 'amqplib';
import { percentile } from './format.mjs';

export const WINDOW = 1000;
export const PREFETCH = 256;
let counter = 0;

/** Resolves once `ready()` is true, checking whenever `poke` is called. */
function gate() {
  let wake;
  return {
    wait: () => new Promise((resolve) => (wake = resolve)),
    poke: () => wake?.(),
  };
}

export async function rawRun(url, { size, n }) {
  const queue = `bench.raw.${process.pid}.${++counter}`;
  const pubConn = await amqp.connect(url);
  const subConn = await amqp.connect(url);
  try {
    const pub = await pubConn.createConfirmChannel();
    const sub = await subConn.createChannel();
    await sub.assertQueue(queue, { durable: true });
    await sub.prefetch(PREFETCH);
    const body = Buffer.alloc(size, 120);
    const sentAt = new Float64Array(n);
    const latencies = new Float64Array(n);
    let received = 0;
    const room = gate();
    const done = new Promise((resolve) => {
      void sub.consume(queue, (msg) => {
        if (msg === null) return; // cancelled: the queue was deleted after the run
        const i = msg.properties.correlationId | 0;
        latencies[received] = performance.now() - sentAt[i];
        received++;
        sub.ack(msg);
        room.poke();
        if (received === n) resolve();
      });
    });
    const start = performance.now();
    for (let i = 0; i < n; i++) {
      while (i - received >= WINDOW) await room.wait();
      sentAt[i] = performance.now();
      const ok = pub.publish('', queue, body, { persistent: true, contentType: 'application/octet-stream', correlationId: String(i) }, (err) => {
        if (err) throw err;
      });
      if (!ok) await new Promise((resolve) => pub.once('drain', resolve));
    }
    await pub.waitForConfirms();
    await done;
    const ms = performance.now() - start;
    await sub.deleteQueue(queue);
    return { n, ms, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
  } finally {
    await pubConn.close().catch(() => undefined);
    await subConn.close().catch(() => undefined);
  }
}

export async function busRun(url, { size, n, store }) {
  const id = `${process.pid}-${++counter}`;
  const dir = store === 'level' ? await mkdtemp(join(tmpdir(), 'amqp-bench-')) : undefined;
  const makeStore = (name) => (dir === undefined ? new MemoryStore() : new LevelStore({ path: join(dir, name) }));
  const options = { url, prefetch: PREFETCH };
  const a = await createBus({ name: `bench-a-${id}`, transport: new AmqpTransport(options), store: makeStore('a') });
  const b = await createBus({ name: `bench-b-${id}`, transport: new AmqpTransport(options), store: makeStore('b') });
  const topic = `bench.${id}`;
  const pad = 'x'.repeat(Math.max(0, size - 20));
  const sentAt = new Float64Array(n);
  const latencies = new Float64Array(n);
  let received = 0;
  const room = gate();
  let finish;
  const done = new Promise((resolve) => (finish = resolve));
  try {
    await b.subscribe(topic, (p) => {
      latencies[received] = performance.now() - sentAt[p.i];
      received++;
      room.poke();
      if (received === n) finish();
    });
    const publishes = [];
    const start = performance.now();
    for (let i = 0; i < n; i++) {
      while (i - received >= WINDOW) await room.wait();
      sentAt[i] = performance.now();
      // Not awaited one by one: up to WINDOW publishes in flight, so the store's group commit batches their fsyncs.
      publishes.push(a.publish(topic, { i, pad }));
      if (publishes.length >= 256) await Promise.all(publishes.splice(0));
    }
    await Promise.all(publishes);
    await done;
    const ms = performance.now() - start;
    return { n, ms, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), duplicates: b.stats().duplicates };
  } finally {
    await a.close();
    await b.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The transport alone, no bus: AmqpTransport A sends batches (up to its maxBatch) of command messages to endpoint B's
 * queue on its confirm channel; B's receiver resolves at once, so B acks. What the adapter adds to raw amqplib:
 * batching, the confirm window, multi-acks; no store, no codec.
 */
export async function transportRun(url, { size, n }) {
  const id = `${process.pid}-${++counter}`;
  const a = new AmqpTransport({ url, prefetch: PREFETCH });
  const b = new AmqpTransport({ url, prefetch: PREFETCH });
  const sentAt = new Float64Array(n);
  const latencies = new Float64Array(n);
  let received = 0;
  const room = gate();
  let finish;
  const done = new Promise((resolve) => (finish = resolve));
  const receive = async (batch) => {
    for (const message of batch) {
      latencies[received] = performance.now() - sentAt[message.bytes.readUInt32BE(0)];
      received++;
    }
    room.poke();
    if (received >= n) finish();
  };
  await b.start({ endpoint: `bench-tb-${id}`, receive, logger: silentLogger });
  await a.start({ endpoint: `bench-ta-${id}`, receive: async () => undefined, logger: silentLogger });
  const destination = { type: 'endpoint', address: b.address };
  const envelope = createEnvelope({ kind: 'command', topic: 'bench', payload: null, source: a.address });
  try {
    const start = performance.now();
    const sends = [];
    let batch = [];
    for (let i = 0; i < n; i++) {
      while (i - received >= WINDOW) await room.wait();
      const bytes = Buffer.alloc(size, 120);
      bytes.writeUInt32BE(i, 0);
      sentAt[i] = performance.now();
      batch.push({ destination, envelope, bytes });
      // Flushed at 64, or when the window is full (nothing more will be added until receipts come back).
      if (batch.length === 64 || i === n - 1 || i + 1 - received >= WINDOW) {
        sends.push(a.send(batch));
        batch = [];
      }
    }
    const outcomes = (await Promise.all(sends)).flat();
    if (outcomes.some((o) => !o.ok)) throw new Error('a send failed during the bench');
    await done;
    const ms = performance.now() - start;
    return { n, ms, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
  } finally {
    await a.close();
    await b.close();
  }
}
