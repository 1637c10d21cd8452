// The receiving side of the zmq bench, in its own process (forked by zmq-bench.mjs) so sender and receiver never
// share an event loop. One process per case, kept for every round so its JIT stays warm; each round sets up fresh
// sockets (and fresh buses and stores), then tears them down.
//
// Parent -> child: { type: 'setup', mode, ... }, { type: 'mark' }, { type: 'teardown' }, { type: 'exit' }.
// Child -> parent: 'ready' (with the address to send to), 'primed', 'marked' (with this process's CPU time so far),
// 'progress', 'done' (with results), 'closed', 'error'.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBus, MemoryStore } from '@resolute/core';
import { LevelStore } from '@resolute/level-store';
import { ZmqPeerTransport } from '@resolute/zmq-peer';
import { Router } from 'zeromq';
import { reply, serveCommands } from './child-commands.mjs';
import { percentile } from './format.mjs';
import { RAW_HWM, TOPIC, wallNow } from './zmq-common.mjs';

/** Most messages one batched ack covers. */
const ACK_BATCH = 100;
/** Handled messages between two progress reports to the sender (well below its window of 1000). */
const PROGRESS_STEP = 100;

serveCommands((message) => (message.mode === 'bus' ? busSession(message) : rawSession(message)));

/**
 * Raw zeromq.js: a ROUTER that acks every message ([id] back to the sender), or, with `batchedAcks`, every run of up to
 * ACK_BATCH messages with one frame of their concatenated ids, sent as soon as the socket has nothing more to read.
 */
async function rawSession({ batchedAcks }) {
  // The socket options zmq-peer uses (ROUTER_MANDATORY, high-water marks of 10,000): with the defaults (1,000, not
  // mandatory) a ROUTER silently drops acks when its pipe looks full, which a loaded machine makes happen.
  const router = new Router({ linger: 0, mandatory: true, sendHighWaterMark: RAW_HWM, receiveHighWaterMark: RAW_HWM });
  await router.bind('tcp://127.0.0.1:0');
  let closed = false;
  const loop = (batchedAcks ? ackBatches : ackEach)(router).catch((error) => {
    if (!closed) reply({ type: 'error', message: `raw ROUTER stopped: ${error?.stack ?? error}` });
  });
  return {
    address: router.lastEndpoint,
    async close() {
      closed = true;
      router.close();
      await loop;
    },
  };
}

async function ackEach(router) {
  for (;;) {
    const [routingId, id] = await router.receive();
    await router.send([routingId, id]);
  }
}

async function ackBatches(router) {
  let ids = [];
  let routingId;
  let writing = Promise.resolve();
  let scheduled = false;
  const flush = () => {
    if (ids.length === 0) return writing;
    const frame = Buffer.concat(ids);
    ids = [];
    writing = writing.then(() => router.send([routingId, frame]));
    return writing;
  };
  for (;;) {
    const [from, id] = await router.receive();
    routingId = from;
    ids.push(id);
    if (ids.length >= ACK_BATCH) await flush();
    else if (!scheduled) {
      // Runs once the receive loop has drained what the socket holds (receive() resolves without yielding to
      // macrotasks while messages are queued): a partial batch is acked as soon as no more is waiting.
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        void flush();
      });
    }
  }
}

/**
 * Resolute: bus B on zmq-peer subscribed to `bench.tick` from the publisher's address, on a MemoryStore or a
 * LevelStore in a fresh temp dir. The handler records publish→handler latency from the payload's timestamp and
 * reports how many have run ('progress', every PROGRESS_STEP: the sender's window); 'done' is sent once
 * every seq 0..n-1 has run and every handled message has also left the inbox (so the store's fsync count covers the
 * whole bookkeeping).
 */
async function busSession({ store: storeKind, ack, publisher, n, run }) {
  const dir = storeKind === 'level' ? mkdtempSync(join(tmpdir(), 'resolute-bench-zmq-b-')) : undefined;
  const store = dir === undefined ? new MemoryStore() : new LevelStore({ path: join(dir, 'db') });
  const tuning = JSON.parse(process.env.BENCH_BUS_OPTIONS ?? '{}'); // see busTuning() in zmq-cases.mjs
  const bus = await createBus({ name: 'bench-sub', transport: new ZmqPeerTransport({ bind: 'tcp://127.0.0.1:0' }), store, ...tuning, inbox: { ack, ...tuning.inbox } });
  const latencies = new Float64Array(n);
  const seen = new Uint8Array(n);
  let unique = 0;
  let runs = 0;
  let handledEvents = 0;
  let duplicates = 0;
  let primed = false;
  let progressScheduled = false;
  let progressSent = 0;
  let lastAt = 0;
  let before;
  let reported = false;
  const maybeDone = () => {
    if (reported || unique < n || handledEvents < runs) return;
    reported = true;
    const after = store.stats?.();
    reply({
      type: 'done',
      lastAt,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      duplicates,
      fsyncs: after === undefined ? undefined : after.fsyncs - before.fsyncs,
    });
  };
  bus.on('handled', () => {
    handledEvents++;
    maybeDone();
  });
  await bus.subscribe(
    TOPIC,
    (payload) => {
      runs++;
      const { seq, ts } = payload;
      if (seq < 0) {
        if (!primed) reply({ type: 'primed' });
        primed = true;
        return;
      }
      if (seen[seq] === 1) {
        duplicates++;
        return;
      }
      const at = wallNow();
      seen[seq] = 1;
      latencies[seq] = at - ts;
      unique++;
      if (unique === n) lastAt = at;
      // Progress for the sender's window: every PROGRESS_STEP handled, at most once per event-loop turn (IPC is not
      // free: reporting every turn cost this process ~5% of its time). The sender's window is about WINDOW + STEP.
      if (!progressScheduled && (unique - progressSent >= PROGRESS_STEP || unique === n)) {
        progressScheduled = true;
        setImmediate(() => {
          progressScheduled = false;
          progressSent = unique;
          reply({ type: 'progress', run, handled: unique });
        });
      }
    },
    { from: publisher },
  );
  return {
    address: bus.address,
    mark() {
      before = store.stats?.();
    },
    async close() {
      await bus.close();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}
