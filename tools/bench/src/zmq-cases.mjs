// The sending side of each zmq bench case (this process) and the receiving process it drives (zmq-receiver.mjs).
//
// Every case keeps about WINDOW messages in flight, which is what a fair "raw with acks" peer does: raw cases count
// a message done when its ack is back, Resolute cases when the subscriber's handler has run (the receiver reports
// progress over IPC every 100 handled), so the latency is that of a pipeline holding ~WINDOW messages, not of a
// backlog that grows with N (the bus acks on inbox write, before the handler: an ack-only window lets B's inbox grow).
// Raw cases time send → ack back at the sender (a round trip); Resolute cases time publish() → handler run in the other
// process (one way, through both stores).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBus, MemoryStore } from '@resolute/core';
import { LevelStore } from '@resolute/level-store';
import { ZmqPeerTransport } from '@resolute/zmq-peer';
import { Dealer } from 'zeromq';
import { ForkedPeer } from './forked-peer.mjs';
import { percentile } from './format.mjs';
import { positiveKnob } from './knobs.mjs';
import { RAW_HWM, TOPIC, wallNow } from './zmq-common.mjs';

/** Messages in flight; `BENCH_WINDOW` overrides it for an experiment (the committed tables use 1000). */
export const WINDOW = positiveKnob('BENCH_WINDOW', 1000);
/** No single run may take longer than this; the smoke run (--quick, used in CI) sets it lower. */
let RUN_TIMEOUT_MS = 90_000;

export function setRunTimeout(ms) {
  RUN_TIMEOUT_MS = ms;
}
const RECEIVER = new URL('./zmq-receiver.mjs', import.meta.url);
let busRuns = 0;

/** A receiving process (zmq-receiver.mjs), kept for all rounds of one case; see forked-peer.mjs. */
export class ReceiverProcess extends ForkedPeer {
  constructor(label) {
    super(RECEIVER, label, () => RUN_TIMEOUT_MS);
  }
}

/** Raw zeromq.js: a DEALER here sends `n` messages of `size` bytes (plus a 4-byte id frame) to the receiver's ROUTER. */
export async function rawRun(receiver, { size, n, batchedAcks }) {
  const { address } = await receiver.call({ type: 'setup', mode: 'raw', batchedAcks }, 'ready');
  const dealer = new Dealer({ linger: 0, sendHighWaterMark: RAW_HWM, receiveHighWaterMark: RAW_HWM });
  let wake;
  let timedOut = false;
  // A stuck run (receiver gone) ends in an error: closing the socket rejects the pending receive and the next send.
  const watchdog = setTimeout(() => {
    timedOut = true;
    dealer.close();
    wake?.();
  }, RUN_TIMEOUT_MS);
  try {
    dealer.connect(address);
    const payload = Buffer.alloc(size, 0x61);
    // One round trip first, so the connection is up before the clock starts.
    await dealer.send([Buffer.from([0xff, 0xff, 0xff, 0xff]), payload]);
    await dealer.receive();
    const cpu = await cpuMeter(receiver);
    const sentAt = new Float64Array(n);
    const latencies = new Float64Array(n);
    let sent = 0;
    let acked = 0;
    const reading = (async () => {
      while (acked < n) {
        const [ack] = await dealer.receive();
        const now = performance.now();
        for (let offset = 0; offset < ack.length; offset += 4) {
          const i = ack.readUInt32BE(offset);
          latencies[i] = now - sentAt[i];
          acked++;
        }
        if (wake !== undefined && sent - acked < WINDOW) {
          const resume = wake;
          wake = undefined;
          resume();
        }
      }
    })();
    reading.catch(() => undefined); // awaited below; this keeps a watchdog close from crashing the process first
    const started = performance.now();
    for (; sent < n; ) {
      if (sent - acked >= WINDOW) await new Promise((resolve) => (wake = resolve));
      const id = Buffer.allocUnsafe(4);
      id.writeUInt32BE(sent, 0);
      sentAt[sent] = performance.now();
      sent++;
      await dealer.send([id, payload]);
    }
    await reading;
    const ms = performance.now() - started;
    return { n, ms, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), cpuMs: await cpu.stop() };
  } catch (error) {
    if (timedOut) throw new Error(`raw zeromq.js run (${size} B, n=${n}) did not finish within ${RUN_TIMEOUT_MS} ms`, { cause: error });
    throw error;
  } finally {
    clearTimeout(watchdog);
    dealer.close();
    await receiver.call({ type: 'teardown' }, 'closed');
  }
}

/**
 * Resolute: bus A (here) publishes `n` events to bus B (the receiver), which subscribed with `from: A.address`, both
 * on zmq-peer, both on a MemoryStore or both on a LevelStore in a fresh temp dir. Timed from the first publish call
 * to B's handler having run for all n.
 */
export async function busRun(receiver, { size, n, store: storeKind, ack = 'stored' }) {
  const dir = storeKind === 'level' ? mkdtempSync(join(tmpdir(), 'resolute-bench-zmq-a-')) : undefined;
  const store = dir === undefined ? new MemoryStore() : new LevelStore({ path: join(dir, 'db') });
  const transport = new ZmqPeerTransport({ bind: 'tcp://127.0.0.1:0' });
  const bus = await createBus({ name: 'bench-pub', transport, store, ...busTuning() });
  let setUp = false;
  try {
    const run = ++busRuns;
    await receiver.call({ type: 'setup', mode: 'bus', store: storeKind, ack, publisher: bus.address, n, run }, 'ready');
    setUp = true;
    // B's subscription request travels to A as a reliable command: probe until A routes the topic to B, then until
    // that probe has been handled there and acknowledged here, so the pipeline is idle when the clock starts.
    const deadline = Date.now() + RUN_TIMEOUT_MS;
    while ((await bus.publish(TOPIC, { seq: -1, ts: 0, pad: '' })).deliveries === 0) await pause(deadline, 'the subscription to reach the publisher');
    await receiver.wait('primed');
    while (bus.stats().delivered < 1) await pause(deadline, 'the probe to be acknowledged');
    const cpu = await cpuMeter(receiver);
    const before = store.stats?.();
    const batchesBefore = transport.stats().batchesSent;
    const pad = 'x'.repeat(Math.max(0, size - JSON.stringify({ seq: n, ts: wallNow(), pad: '' }).length));
    let issued = 0;
    let handled = 0;
    let delivered = 0;
    let wake;
    let failure;
    let failed;
    const publishFailed = new Promise((_, reject) => (failed = reject));
    publishFailed.catch(() => undefined);
    const off = bus.on('delivered', () => void delivered++);
    receiver.onProgress = (progress) => {
      if (progress.run !== run) return; // a late report from an earlier run
      handled = progress.handled;
      if (wake !== undefined && issued - handled < WINDOW) {
        const resume = wake;
        wake = undefined;
        resume();
      }
    };
    const done = receiver.wait('done');
    const started = wallNow();
    for (; issued < n; ) {
      if (issued - handled >= WINDOW) await new Promise((resolve) => (wake = resolve));
      bus.publish(TOPIC, { seq: issued++, ts: wallNow(), pad }).catch((error) => {
        failure ??= error;
        failed(error);
      });
      if (failure !== undefined) throw failure;
    }
    const result = await Promise.race([done, publishFailed]);
    // Every delivery acknowledged and gone from A's outbox, so A's fsync count covers its whole bookkeeping.
    while (delivered < n) await pause(deadline, 'the last acknowledgements');
    off();
    receiver.onProgress = undefined;
    const cpuMs = await cpu.stop();
    const after = store.stats?.();
    return {
      n,
      ms: result.lastAt - started,
      p50: result.p50,
      p99: result.p99,
      duplicates: result.duplicates,
      fsyncsPub: after === undefined ? undefined : after.fsyncs - before.fsyncs,
      fsyncsSub: result.fsyncs,
      batches: transport.stats().batchesSent - batchesBefore,
      cpuMs,
    };
  } finally {
    await bus.close();
    if (setUp) await receiver.call({ type: 'teardown' }, 'closed');
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * CPU time (user + system, every thread: zeromq's I/O thread and LevelDB's workers included) that this process and
 * the receiver spend between start() and stop(), in ms. The 'mark' round trips sit outside the timed part.
 */
async function cpuMeter(receiver) {
  const { cpu: theirs } = await receiver.call({ type: 'mark' }, 'marked');
  const ours = process.cpuUsage();
  return {
    async stop() {
      const mine = process.cpuUsage(ours);
      const { cpu } = await receiver.call({ type: 'mark' }, 'marked');
      const receiverMs = (cpu.user + cpu.system - theirs.user - theirs.system) / 1000;
      if (process.env.BENCH_VERBOSE) console.log(`    CPU ms: sender ${((mine.user + mine.system) / 1000).toFixed(0)}, receiver ${receiverMs.toFixed(0)}`);
      return (mine.user + mine.system) / 1000 + receiverMs;
    },
  };
}

/**
 * `BENCH_BUS_OPTIONS`: JSON merged into both buses' options, to try tunings (e.g. '{"inbox":{"concurrency":256}}').
 * The committed numbers use the defaults.
 */
export function busTuning() {
  return JSON.parse(process.env.BENCH_BUS_OPTIONS ?? '{}');
}

async function pause(deadline, what) {
  if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  await sleep(2);
}
