// The redis bench: Resolute's at-least-once events over redis-bus beside BullMQ and raw Redis Streams, on one private
// redis-server, same run.
//
//   node tools/bench/src/main.mjs redis [--quick] [--case=streams,bullmq,bus-redis,bus-memory,bus-level]
//
// Each case runs at 100 B and 4 KB; warm-up, then rounds alternating (see rounds.mjs); the server is flushed between
// cases. A full run writes tools/bench/results/redis.md.
import { describeMachine, formatTable, writeResultsFile } from './format.mjs';
import { busRun, bullmqRun, CONCURRENCY, rawStreamsRun, WINDOW } from './redis-cases.mjs';
import { REDIS_SETTINGS, startRedis } from './redis-server.mjs';
import { comparisonRows, ROUNDS, runRounds } from './rounds.mjs';

const SIZES = [100, 4096];
const RESULTS = new URL('../results/redis.md', import.meta.url);

const CASES = [
  { id: 'streams', short: 'streams', name: 'raw Redis Streams (XADD, XREADGROUP, XACK)', baseline: true, run: rawStreamsRun },
  { id: 'bullmq', short: 'BullMQ', name: 'BullMQ (add, Worker)', baseline: true, run: bullmqRun },
  { id: 'bus-redis', name: 'Resolute redis-bus, Redis Store (same server)', run: (redis, o) => busRun(redis, { ...o, store: 'redis' }) },
  { id: 'bus-memory', name: 'Resolute redis-bus, MemoryStore', run: (redis, o) => busRun(redis, { ...o, store: 'memory' }) },
  { id: 'bus-level', name: 'Resolute redis-bus, LevelStore (fsync)', run: (redis, o) => busRun(redis, { ...o, store: 'level' }) },
];

export async function redisBench({ quick = false, args = [], log = console.log } = {}) {
  const only = args.find((arg) => arg.startsWith('--case='))?.slice('--case='.length).split(',');
  const cases = only === undefined ? CASES : CASES.filter((c) => only.includes(c.id));
  if (cases.length === 0) throw new Error(`--case: pick from ${CASES.map((c) => c.id).join(', ')}`);
  const n = quick ? 1_000 : 10_000;
  const redis = await startRedis();
  const machine = describeMachine();
  const version = await redis.version();
  const settings = `n=${n} per round, at most ${WINDOW} messages in flight, ${CONCURRENCY} handlers at once, ${ROUNDS} rounds after a warm-up, alternating, median of rounds; every side in one process; redis-server ${version} ${REDIS_SETTINGS.join(' ')}`;
  log(`redis bench: ${settings}; ${machine.nproc} cores, load ${machine.load}`);
  let summary;
  try {
    summary = await runRounds({
      cases,
      sizes: SIZES,
      n,
      log: process.env.BENCH_VERBOSE ? log : undefined,
      run: async (testCase, size, count) => {
        await redis.flush();
        return testCase.run(redis, { size, n: count });
      },
    });
  } finally {
    await redis.stop();
  }
  const rows = comparisonRows(summary);
  const table = formatTable(rows);
  log(table);
  const duplicates = summary.reduce((sum, s) => sum + s.duplicates, 0);
  log(`duplicates absorbed by the inbox dedupe across all rounds: ${duplicates}`);
  const legend = [
    'Latency: from the add/publish call to the handler/processor. msgs/s: first add → n-th handled. Resolute rows',
    'include both buses\' stores (outbox before XADD, inbox before XACK). The Redis Store row is the like-for-like one',
    'beside BullMQ: a resolved publish is in Redis, as a resolved add is. MemoryStore shows the transport\'s own cost',
    '(a publish then survives no crash); LevelStore fsyncs both sides to local disk (durable beyond Redis\'s settings).',
  ].join('\n');
  log(legend);
  if (!quick && only === undefined) {
    writeResultsFile(RESULTS, { title: 'redis bench: Resolute redis-bus beside BullMQ and raw Redis Streams', bench: 'redis', machine, settings, table, legend });
    log(`written to ${RESULTS.pathname}`);
  }
  return rows;
}
