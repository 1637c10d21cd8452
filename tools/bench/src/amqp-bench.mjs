// The amqp bench: Resolute's bus over amqp-adapter beside raw amqplib, same RabbitMQ, same run.
//
//   node tools/bench/src/main.mjs amqp [--quick] [--case=raw,transport,bus-memory,bus-level]
//
// Uses the machine's RabbitMQ (AMQP_BENCH_HOST, default 127.0.0.1:5672, guest/guest) in a vhost of its own, created
// with rabbitmqctl and deleted after. Each case runs at 100 B and 4 KB; after a warm-up (n/10), 3 rounds alternate
// the order of cases; the table shows each case's median of rounds. A full run writes tools/bench/results/amqp.md.
import { execFileSync } from 'node:child_process';
import { describeMachine, formatTable, writeResultsFile } from './format.mjs';
import { comparisonRows, ROUNDS, runRounds } from './rounds.mjs';
import { busRun, PREFETCH, rawRun, transportRun, WINDOW } from './amqp-cases.mjs';

const SIZES = [100, 4096];
const RESULTS = new URL('../results/amqp.md', import.meta.url);

const CASES = [
  { id: 'raw', short: 'raw', name: 'raw amqplib (confirms, persistent, ack per msg)', baseline: true, run: rawRun },
  { id: 'transport', name: 'Resolute AmqpTransport alone (no bus, no store)', run: transportRun },
  { id: 'bus-memory', name: 'Resolute amqp-adapter, MemoryStore', run: (url, o) => busRun(url, { ...o, store: 'memory' }) },
  { id: 'bus-level', name: 'Resolute amqp-adapter, LevelStore (fsync)', run: (url, o) => busRun(url, { ...o, store: 'level' }) },
];

const ctl = (...args) => execFileSync('rabbitmqctl', args, { stdio: 'pipe' });

export async function amqpBench({ quick = false, args = [], log = console.log } = {}) {
  const only = args.find((arg) => arg.startsWith('--case='))?.slice('--case='.length).split(',');
  const cases = only === undefined ? CASES : CASES.filter((c) => only.includes(c.id));
  if (cases.length === 0) throw new Error(`--case: pick from ${CASES.map((c) => c.id).join(', ')}`);
  const n = quick ? 1_000 : 10_000;
  const vhost = `resolute-bench-${process.pid}`;
  ctl('add_vhost', vhost);
  ctl('set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
  const url = `amqp://guest:guest@${process.env.AMQP_BENCH_HOST ?? '127.0.0.1:5672'}/${vhost}`;
  const machine = describeMachine();
  const settings = `n=${n} per round, at most ${WINDOW} messages in flight, prefetch ${PREFETCH}, warm-up at n/10 then ${ROUNDS} rounds alternating, median of rounds; both sides in one process`;
  log(`amqp bench: ${settings}; ${machine.nproc} cores, load ${machine.load}`);
  let summary;
  try {
    summary = await runRounds({ cases, sizes: SIZES, n, log: process.env.BENCH_VERBOSE ? log : undefined, run: (testCase, size, count) => testCase.run(url, { size, n: count }) });
  } finally {
    try {
      ctl('delete_vhost', vhost);
    } catch {
      log(`could not delete the vhost ${vhost}: rabbitmqctl delete_vhost ${vhost}`);
    }
  }
  const rows = comparisonRows(summary);
  const table = formatTable(rows);
  log(table);
  const duplicates = summary.reduce((sum, s) => sum + s.duplicates, 0);
  if (duplicates > 0) log(`note: ${duplicates} duplicates absorbed by the inbox dedupe across all rounds`);
  const legend = [
    'Latency: raw rows time publish → the consumer callback; the transport row Transport.send → the receiver; bus',
    'rows publish() → the handler (through outbox, confirm channel, queue, inbox, dedupe). msgs/s is first publish →',
    'n-th receipt. Both sides in this process. The transport row is the like-for-like comparison with raw amqplib',
    '(bytes from a producer to a consumer with confirms and acks); bus rows add both stores and the pipeline.',
  ].join('\n');
  log(legend);
  if (!quick && only === undefined) {
    writeResultsFile(RESULTS, { title: 'amqp bench: Resolute amqp-adapter beside raw amqplib', bench: 'amqp', machine, server: 'RabbitMQ 3.10 (Debian), a private vhost', settings, table, legend });
    log(`written to ${RESULTS.pathname}`);
  }
  return rows;
}
