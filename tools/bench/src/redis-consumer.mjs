// The consuming side of the redis bench, in its own process (forked by redis-bench.mjs) so producer and consumer never
// share an event loop: Resolute's bus is CPU-bound in Node, and in one process it would compete with itself for one
// core while BullMQ and raw Streams mostly wait on redis-server. One process per case, kept for every round so its JIT
// stays warm; each round sets up a fresh connection, worker or bus (and store), then tears it down.
//
// Producer -> consumer: { type: 'setup', mode: 'streams' | 'bullmq' | 'bus', n, run, url, port, ... }, { type: 'mark' },
// { type: 'teardown' }, { type: 'exit' }.
// Consumer -> producer: 'ready', 'primed' (bus: the probe was handled), 'marked' (with this process's CPU time so
// far), 'progress', 'done' (with results), 'closed', 'error'.
import { rm } from 'node:fs/promises';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { benchBus, CONCURRENCY, RAW_SEQ_AT, RAW_TS_AT } from './redis-common.mjs';
import { reply, serveCommands } from './child-commands.mjs';
import { Tally } from './redis-tally.mjs';

let session;

serveCommands(async (message) => {
  const tally = new Tally({ n: message.n, run: message.run, reply, extra: () => session?.extra?.() ?? {} });
  const open = { streams: streamsSession, bullmq: bullmqSession, bus: busSession }[message.mode];
  if (open === undefined) throw new Error(`unknown mode ${message.mode}`);
  session = await open(message, tally);
  return session;
});

/**
 * Raw Redis Streams: a consumer group created at the stream's end, read COUNT 100 BLOCK 100 on this connection, a
 * no-op handler per entry (the floor every other case is measured against), one XACK per read batch.
 */
async function streamsSession({ url, stream }, tally) {
  const redis = new Redis(url);
  await redis.xgroup('CREATE', stream, 'g', '$', 'MKSTREAM');
  let running = true;
  const loop = (async () => {
    while (running) {
      const read = await redis.xreadgroupBuffer('GROUP', 'g', 'c', 'COUNT', 100, 'BLOCK', 100, 'STREAMS', stream, '>');
      if (read === null) continue;
      const ids = [];
      for (const [id, fields] of read[0][1]) {
        tally.handled(fields[1].readUInt32BE(RAW_SEQ_AT), fields[1].readDoubleBE(RAW_TS_AT));
        ids.push(id);
      }
      await redis.xack(stream, 'g', ...ids);
      tally.settle(ids.length);
    }
  })().catch((error) => {
    if (running) reply({ type: 'error', message: `raw Streams reader stopped: ${error?.stack ?? error}` });
  });
  return {
    async close() {
      running = false;
      await loop;
      redis.disconnect();
    },
  };
}

/** BullMQ: a Worker with CONCURRENCY, a no-op processor; a run is settled when its job completed (and was removed). */
async function bullmqSession({ port, queue }, tally) {
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const worker = new Worker(queue, async (job) => tally.handled(job.data.i, job.data.ts), {
    connection,
    concurrency: CONCURRENCY,
    removeOnComplete: { count: 0 },
    removeOnFail: { count: 0 },
  });
  worker.on('completed', () => tally.settle());
  worker.on('failed', (job, error) => reply({ type: 'error', message: `BullMQ job ${job?.id} failed: ${error?.stack ?? error}` }));
  await worker.waitUntilReady();
  return { close: () => worker.close() };
}

/**
 * Resolute: bus B on redis-bus subscribed to the run's topic, with the store and inbox `ack` the case names. The
 * producer first publishes one probe (i = -1): its 'handled' event, the first this bus emits, says the whole path
 * (group, reader, inbox, handler) is up, so the clock starts on an idle pipeline. A run is settled at its 'handled'
 * event, which comes after the inbox bookkeeping.
 */
async function busSession({ url, store, ack, name, topic }, tally) {
  const { bus, dir } = await benchBus({ name, url, store, inbox: ack === undefined ? {} : { ack } });
  let primed = false;
  bus.on('handled', () => {
    if (primed) return tally.settle();
    primed = true;
    reply({ type: 'primed' });
  });
  await bus.subscribe(topic, (payload) => {
    if (payload.i >= 0) tally.handled(payload.i, payload.ts);
  });
  return {
    // Redeliveries the inbox dedupe dropped before any handler saw them.
    extra: () => ({ dropped: bus.stats().duplicates }),
    async close() {
      await bus.close();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}
