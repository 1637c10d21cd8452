// The publishing side of the backlog bench, in its own process (forked by backlog-bench.mjs) so that its resident
// memory is its own: a bus on zmq-peer + LevelStore in `dir`, kept for the whole run.
//
// Parent -> child: { type: 'handshake' }, { type: 'publish', n, size, group }, { type: 'exit' }.
// Child -> parent: 'ready' (with the address subscribers dial), 'subscribed' (the probe event reached the subscriber
// and was acknowledged), 'published' (ms), 'stats' every STATS_INTERVAL_MS, 'closed', 'error'.
import { setTimeout as sleep } from 'node:timers/promises';
import { createBus } from '@resolute/core';
import { LevelStore } from '@resolute/level-store';
import { ZmqPeerTransport } from '@resolute/zmq-peer';
import { BACKLOG_TOPIC, PUBLISHER_OPTIONS, STATS_INTERVAL_MS } from './backlog-common.mjs';

const [dir] = process.argv.slice(2);
/** To the parent, unless it is gone (then nobody is listening, and there is nothing to report to). */
const reply = (message) => void (process.connected && process.send(message));

const store = new LevelStore({ path: dir });
const bus = await createBus({ name: 'backlog-pub', transport: new ZmqPeerTransport({ bind: 'tcp://127.0.0.1:0' }), store, ...PUBLISHER_OPTIONS });

// Highest outbox-in-memory figure since the last stats report: sampled after every group of publishes, on every
// acknowledged delivery and on every report tick, so a peak between two ticks is not missed.
let maxOutboxInMemory = 0;
const sampleOutbox = () => {
  const held = bus.stats().outboxInMemory;
  if (held > maxOutboxInMemory) maxOutboxInMemory = held;
};
bus.on('delivered', sampleOutbox);
const report = setInterval(() => {
  sampleOutbox();
  const { outboxInMemory, published, delivered, sendFailures } = bus.stats();
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  reply({ type: 'stats', outboxInMemory, maxOutboxInMemory, published, delivered, sendFailures, rss, heapUsed, heapTotal, external, arrayBuffers });
  maxOutboxInMemory = outboxInMemory;
}, STATS_INTERVAL_MS);

process.on('disconnect', () => process.exit(0));
process.on('message', (message) => {
  handle(message).catch((error) => reply({ type: 'error', message: error?.stack ?? String(error) }));
});
reply({ type: 'ready', address: bus.address });

async function handle(message) {
  switch (message.type) {
    case 'handshake':
      await handshake();
      reply({ type: 'subscribed' });
      return;
    case 'publish':
      reply({ type: 'published', ms: await publish(message) });
      return;
    case 'exit':
      clearInterval(report);
      await bus.close();
      reply({ type: 'closed' });
      process.disconnect();
      return;
    default:
      throw new Error(`unknown command ${message.type}`);
  }
}

/**
 * The subscriber's subscription request travels here as a reliable command: publish a probe (seq -1) until the
 * topic is routed to it, then wait until that probe is acknowledged, so the subscriber is known and idle.
 */
async function handshake() {
  const deadline = Date.now() + 60_000;
  while ((await bus.publish(BACKLOG_TOPIC, { seq: -1, pad: '' })).deliveries === 0) await pause(deadline, 'the subscription to reach the publisher');
  while (bus.stats().delivered < 1) await pause(deadline, 'the probe to be acknowledged');
}

/** Publishes seq 0..n-1 with `group` publishes in flight, awaiting each group; resolves with the time taken (ms). */
async function publish({ n, size, group }) {
  const pad = 'x'.repeat(Math.max(0, size - JSON.stringify({ seq: n, pad: '' }).length));
  const started = performance.now();
  for (let from = 0; from < n; from += group) {
    const publishes = [];
    for (let seq = from; seq < Math.min(n, from + group); seq++) publishes.push(bus.publish(BACKLOG_TOPIC, { seq, pad }));
    const receipts = await Promise.all(publishes);
    if (receipts.some((r) => r.deliveries !== 1)) throw new Error(`a publish had ${receipts.find((r) => r.deliveries !== 1).deliveries} deliveries, expected 1 (the subscriber)`);
    sampleOutbox();
  }
  return performance.now() - started;
}

async function pause(deadline, what) {
  if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  await sleep(20);
}
