// The zmq bench: Resolute's bus over zmq-peer beside raw zeromq.js DEALER/ROUTER with acks, in one run.
//
//   node tools/bench/src/main.mjs zmq [--quick] [--case=raw,bus-memory,...]
//
// The sender runs in this process, the receiver in a child process per case (kept across rounds). Each case runs at
// 100 B and 4 KB payloads; after a warm-up (N/10), 3 rounds alternate the order of cases, and the table shows each
// case's median of rounds. Every case keeps at most 1000 messages in flight (raw: sent, ack not back yet; Resolute:
// published, handler not run yet). `BENCH_VERBOSE=1` prints each run; see zmq-cases.mjs for the other knobs.
// A full run also writes tools/bench/results/zmq.md (table and machine), ready to commit.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createEnvelope, jsonCodec } from '@resolute/core';
import { describeMachine, describeRevision, formatRate, formatTable, median } from './format.mjs';
import { benchSizes, experimentKnobs } from './knobs.mjs';
import { busRun, rawRun, ReceiverProcess, setRunTimeout, WINDOW } from './zmq-cases.mjs';
import { TOPIC } from './zmq-common.mjs';
import { FLOOR_GROUP, outboxFloor } from './zmq-floor.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// `BENCH_SIZES=4096` runs one size only (for profiling); the committed tables use both.
const SIZES = benchSizes(process.env.BENCH_SIZES, [100, 4096]);
const RESULTS = new URL('../results/zmq.md', import.meta.url);

/** `scale`: share of N this case runs per size, so that no round is much longer than a few seconds. */
const CASES = [
  { id: 'raw', name: 'raw zeromq.js, ack per message', baseline: true, scale: { 100: 1, 4096: 0.5 }, run: (rx, o) => rawRun(rx, { ...o, batchedAcks: false }) },
  { id: 'raw-batched', name: 'raw zeromq.js, ack per ≤100 msgs', scale: { 100: 1, 4096: 0.5 }, run: (rx, o) => rawRun(rx, { ...o, batchedAcks: true }) },
  { id: 'bus-memory', name: 'Resolute zmq-peer, MemoryStore', scale: { 100: 0.5, 4096: 0.25 }, run: (rx, o) => busRun(rx, { ...o, store: 'memory' }) },
  { id: 'bus-level', name: 'Resolute zmq-peer, LevelStore (fsync)', durable: true, scale: { 100: 0.25, 4096: 0.25 }, run: (rx, o) => busRun(rx, { ...o, store: 'level' }) },
  // The subscriber acks once its handler ran (inbox.ack 'handled'): the publisher's fsync'd outbox keeps each message
  // until then, and the subscriber's store gets only the dedupe entries (relaxed) unless a handler fails.
  { id: 'bus-level-handled', name: "Resolute zmq-peer, LevelStore (fsync), sub ack 'handled'", durable: true, scale: { 100: 0.25, 4096: 0.25 }, run: (rx, o) => busRun(rx, { ...o, store: 'level', ack: 'handled' }) },
];

const sizeLabel = (size) => (size >= 1024 ? `${size / 1024} KB` : `${size} B`);
const ms = (value) => (value < 10 ? value.toFixed(2) : value.toFixed(1));

/** Runs the bench and returns the table rows. */
export async function zmqBench({ quick = false, args = [], log = console.log } = {}) {
  const only = args.find((arg) => arg.startsWith('--case='))?.slice('--case='.length).split(',');
  const cases = only === undefined ? CASES : CASES.filter((c) => only.includes(c.id));
  if (cases.length === 0) throw new Error(`--case: pick from ${CASES.map((c) => c.id).join(', ')}`);
  const n = quick ? 2_000 : 40_000;
  setRunTimeout(quick ? 15_000 : 90_000);
  const machine = describeMachine();
  const units = cases.flatMap((testCase) => SIZES.map((size) => ({ testCase, size, n: Math.max(200, Math.round(n * testCase.scale[size])) })));
  const settings = `N=${n} × per-case share (column n), about ${WINDOW} messages in flight, warm-up at n/10 then ${ROUNDS} rounds alternating, median of rounds`;
  log(`zmq bench: ${settings}; ${machine.nproc} cores, load ${machine.load}`);

  const receivers = new Map(cases.map((c) => [c.id, new ReceiverProcess(c.id)]));
  const results = new Map(units.map((unit) => [unit, []]));
  const floors = new Map();
  try {
    for (const unit of units) await unit.testCase.run(receivers.get(unit.testCase.id), { size: unit.size, n: Math.max(100, Math.round(unit.n / 10)) });
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate the order each round so no case always runs first (or right after the disk-heavy one).
      const order = round % 2 === 0 ? units : [...units].reverse();
      for (const unit of order) {
        const result = await unit.testCase.run(receivers.get(unit.testCase.id), { size: unit.size, n: unit.n });
        results.get(unit).push(result);
        if (process.env.BENCH_VERBOSE) log(`  round ${round + 1}: ${unit.testCase.id} ${sizeLabel(unit.size)}: ${formatRate((result.n / result.ms) * 1000)} msg/s, p50 ${ms(result.p50)} ms${result.batches === undefined ? '' : `, ${(result.n / result.batches).toFixed(1)} msgs per wire batch`}`);
      }
    }
    // The outbox floor (zmq-floor.mjs) per size, in the same run, when the raw baseline runs too.
    if (cases.some((c) => c.baseline)) {
      for (const size of SIZES) floors.set(size, await measureFloor(size, quick ? 2_000 : 10_000));
    }
  } finally {
    await Promise.all([...receivers.values()].map((rx) => rx.stop()));
  }

  const summary = units.map((unit) => {
    const runs = results.get(unit);
    const rate = median(runs.map((r) => (r.n / r.ms) * 1000));
    const perFsync = (field) => (runs[0][field] === undefined ? undefined : median(runs.map((r) => r.n / Math.max(1, r[field]))));
    return {
      unit,
      rate,
      p50: median(runs.map((r) => r.p50)),
      p99: median(runs.map((r) => r.p99)),
      pub: perFsync('fsyncsPub'),
      sub: perFsync('fsyncsSub'),
      perBatch: perFsync('batches'),
      cpuPerMsg: median(runs.map((r) => (r.cpuMs * 1000) / r.n)),
      duplicates: runs.reduce((sum, r) => sum + (r.duplicates ?? 0), 0),
    };
  });
  const baseline = (size) => summary.find((s) => s.unit.testCase.baseline && s.unit.size === size)?.rate;
  const table = summary.map((s) => ({
    case: s.unit.testCase.name,
    size: sizeLabel(s.unit.size),
    n: String(s.unit.n),
    'msgs/s': formatRate(s.rate),
    'p50 ms': ms(s.p50),
    'p99 ms': ms(s.p99),
    'CPU µs/msg': s.cpuPerMsg.toFixed(0),
    'msgs/wire batch': s.perBatch === undefined ? '–' : s.perBatch.toFixed(0),
    'msgs/fsync pub / sub': s.pub === undefined ? '–' : `${s.pub.toFixed(0)} / ${s.sub.toFixed(0)}`,
    'vs raw (ack per msg)': baseline(s.unit.size) === undefined ? 'n/a' : `${(s.rate / baseline(s.unit.size)).toFixed(3)}x`,
  }));
  const text = floors.size === 0 ? formatTable(table) : `${formatTable(table)}\n\n${budgetTable(summary, floors)}`;
  log(text);
  const duplicates = summary.reduce((sum, s) => sum + s.duplicates, 0);
  if (duplicates > 0) log(`note: ${duplicates} duplicate handler runs (redeliveries) across all rounds; counted once`);
  const legend = describeLatency();
  log(legend);
  if (!quick && only === undefined && !experimentKnobs()) {
    writeResults(text, legend, settings, machine);
    log(`written to ${RESULTS.pathname}`);
  }
  return table;
}

/** Bytes of one bench message's envelope with a payload of `size` (what the outbox stores and the wire carries). */
function envelopeBytes(size) {
  const payload = { seq: 12_345, ts: Date.now() + 0.123, pad: 'x'.repeat(Math.max(0, size - 45)) };
  return jsonCodec.encode(createEnvelope({ kind: 'event', topic: TOPIC, payload, source: 'bench-pub' })).length;
}

async function measureFloor(size, n) {
  const runs = [];
  for (let round = 0; round < ROUNDS; round++) runs.push(await outboxFloor({ valueBytes: envelopeBytes(size), n }));
  return { rate: median(runs.map((r) => r.rate)), cpuPerMsg: median(runs.map((r) => r.cpuPerMsg)) };
}

/**
 * What the target (0.6x raw's msgs/s) leaves to spend per message on this machine's cores, beside what raw zeromq.js
 * and the outbox floor alone already spend, and what our fsync-durable rows spend; all from this run.
 */
function budgetTable(summary, floors) {
  const cores = availableParallelism();
  const rows = SIZES.map((size) => {
    const raw = summary.find((s) => s.unit.testCase.baseline && s.unit.size === size);
    // Acks per ≤100 messages is the closer transport floor: the bus batches on the wire too.
    const batched = summary.find((s) => s.unit.testCase.id === 'raw-batched' && s.unit.size === size) ?? raw;
    const ours = summary.filter((s) => s.unit.testCase.durable && s.unit.size === size).map((s) => s.cpuPerMsg);
    const floor = floors.get(size);
    return {
      size: sizeLabel(size),
      'CPU budget at 0.6x raw': `${((cores * 1e6) / (0.6 * raw.rate)).toFixed(0)} µs`,
      'raw zeromq.js CPU (ack per msg / per ≤100)': `${raw.cpuPerMsg.toFixed(0)} / ${batched.cpuPerMsg.toFixed(0)} µs`,
      [`outbox floor (classic-level, ${FLOOR_GROUP}/fsync + delete)`]: `${floor.cpuPerMsg.toFixed(0)} µs (${formatRate(floor.rate)}/s)`,
      'raw per ≤100 + floor': `${(batched.cpuPerMsg + floor.cpuPerMsg).toFixed(0)} µs`,
      'Resolute fsync-durable rows': ours.length === 0 ? '–' : ours.map((v) => `${v.toFixed(0)} µs`).join(' / '),
    };
  });
  return [
    `CPU per message against the target (${cores} cores: msgs/s ≤ cores / CPU per message):`,
    '',
    formatTable(rows),
    '',
    'The floor is the publishing side\'s outbox records alone (one per delivery, fsync\'d in groups, deleted on ack),',
    'measured with classic-level directly in this process. "raw per ≤100 + floor" is the wire with batched acks plus',
    'those records: what is left of the budget pays for the subscriber\'s writes (inbox or dedupe), the envelope\'s',
    'encoding and decoding and the bus. "Resolute fsync-durable rows": CPU µs/msg of the LevelStore rows above.',
  ].join('\n');
}

function describeLatency() {
  const wire = SIZES.map((size) => `${sizeLabel(size)} → ${envelopeBytes(size)} B`);
  return [
    'Latency: raw rows time send → ack back at the sender (a round trip); Resolute rows time publish() → the handler',
    'running in the other process (one way, through outbox, wire, inbox; both clocks are this machine\'s).',
    'msgs/s for Resolute is first publish() → N-th handler run. "CPU µs/msg": CPU time of both processes (all threads)',
    'per message; with 2 cores shared, msgs/s follows it. "msgs/wire batch": messages per DELIVER frame set',
    '(per transport send). "msgs/fsync": messages per fsync\'d LevelDB write on the publishing (pub) and subscribing',
    '(sub) side (outbox and inbox puts; the relaxed outbox deletes and inbox completions need no fsync of their own).',
    `Size is the payload; Resolute wraps it in an envelope (JSON codec): ${wire.join(', ')} per message on the wire.`,
    "sub ack 'handled': the subscriber acks a batch once its handlers ran and their dedupe entries are written",
    '(relaxed): no inbox write, no fsync on that side (its msgs/fsync is n: none); the publisher\'s fsync\'d outbox keeps',
    'every message until that ack, so a crash of either side loses nothing acknowledged (tools/chaos: zmq-peer-handled).',
  ].join('\n');
}

function writeResults(table, legend, settings, machine) {
  mkdirSync(new URL('.', RESULTS), { recursive: true });
  const body = [
    '# zmq bench: Resolute zmq-peer beside raw zeromq.js',
    '',
    'Command: `npm run bench -- zmq` (builds first), or `node tools/bench/src/main.mjs zmq` after a build.',
    '',
    `Machine: ${machine.nproc} cores (\`nproc\`), ${machine.cpu}, Node ${machine.node}; load average at start ${machine.load}`,
    `(other work shared the CPU). Date: ${machine.date}. Code: ${describeRevision()}.`,
    '',
    `Settings: ${settings}; sender in the bench process, receiver in a child process, TCP over 127.0.0.1.`,
    '',
    table,
    '',
    legend,
    '',
  ].join('\n');
  writeFileSync(RESULTS, body);
}
