// Why zmq-peer packs a batch into one frame (RZP2) instead of a frame per message (RZP1): both layouts over a real
// DEALER/ROUTER pair on 127.0.0.1, same batches, same run, CPU time of this process (all threads: ZeroMQ's I/O thread
// included) per message. Run: `node tools/bench/src/zmq-frames.mjs` after a build; writes results/zmq-frames.md.
//
// zeromq.js sends a frame over 128 bytes without copying (a reference released on the main thread afterwards) and
// receives one as an external buffer freed by a GC finalizer; the packed layout pays that once per batch.
import { packMessages, unpackMessages } from '@resolute/zmq-peer';
import { Dealer, Router } from 'zeromq';
import { describeMachine, describeRevision, formatTable, median } from './format.mjs';
import { writeFileSync } from 'node:fs';

const BATCH = 128;
const BATCHES = 1500;
const ROUNDS = 5;
/** Envelope sizes on the wire for the zmq bench's 100 B and 4 KB payloads (see results/zmq.md). */
const SIZES = [326, 4322];

async function run(layout, size) {
  const router = new Router();
  await router.bind('tcp://127.0.0.1:0');
  const dealer = new Dealer();
  dealer.connect(router.lastEndpoint);
  const messages = Array.from({ length: BATCH }, (_, i) => Buffer.alloc(size, i));
  const total = BATCH * BATCHES;
  let received = 0;
  const receiving = (async () => {
    for await (const [, ...frames] of router) {
      received += layout === 'packed' ? unpackMessages(frames[0]).length : frames.length;
      if (received >= total) return;
    }
  })();
  const start = process.cpuUsage();
  for (let i = 0; i < BATCHES; i++) await dealer.send(layout === 'packed' ? [packMessages(messages)] : messages);
  await receiving;
  const cpu = process.cpuUsage(start);
  dealer.close();
  router.close();
  return (cpu.user + cpu.system) / total;
}

const results = new Map();
for (let round = 0; round < ROUNDS; round++) {
  for (const size of SIZES) {
    // Alternate which layout goes first, so neither always runs on a warmer process.
    const layouts = round % 2 === 0 ? ['frame per message', 'packed'] : ['packed', 'frame per message'];
    for (const layout of layouts) {
      const key = `${layout}|${size}`;
      results.set(key, [...(results.get(key) ?? []), await run(layout, size)]);
    }
  }
}
const rows = SIZES.map((size) => {
  const perFrame = median(results.get(`frame per message|${size}`));
  const packed = median(results.get(`packed|${size}`));
  return { 'message size': `${size} B`, 'frame per message (RZP1) µs/msg': perFrame.toFixed(2), 'one packed frame (RZP2) µs/msg': packed.toFixed(2), saved: `${(perFrame - packed).toFixed(2)} µs` };
});
const machine = describeMachine();
const header = `${machine.nproc} cores, ${machine.cpu}, Node ${machine.node}, load average at start ${machine.load}; ${machine.date}; code ${describeRevision()}.\n${BATCH} messages per send, ${BATCHES} sends, median of ${ROUNDS} rounds alternating; CPU of the process holding both sockets (all threads) per message. The packed layout's receiver copies each message out of the frame, as zmq-peer does.`;
const table = formatTable(rows);
console.log(`${header}\n\n${table}`);
writeFileSync(new URL('../results/zmq-frames.md', import.meta.url), `# zmq-peer wire layouts: a frame per message against one packed frame per batch\n\nCommand: \`node tools/bench/src/zmq-frames.mjs\` (after \`npm run build\`).\n\n${header}\n\n${table}\n`);
