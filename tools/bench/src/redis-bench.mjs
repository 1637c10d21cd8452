// The redis bench: Resolute's at-least-once events over redis-bus beside BullMQ and raw Redis Streams, on one private
// redis-server, same run.
//
//   node tools/bench/src/main.mjs redis [--quick] [--case=streams,bullmq,bus-redis,bus-redis-handled,...]
//
// Every case has its producer in this process and its consumer in a child process (one per case, kept across rounds):
// the topology a deployment has, and the fair one for all rows alike (in one process the bus, CPU-bound in Node,
// shares a core with itself, while BullMQ and raw Streams mostly wait on redis-server). Each case runs at 100 B and
// 4 KB; warm-up, then rounds alternating (see rounds.mjs); the server is flushed between runs. Besides the rate and
// latency table it prints the CPU each process spent per message. A full run writes tools/bench/results/redis.md.
import { availableParallelism } from 'node:os';
import { describeMachine, formatTable, writeResultsFile } from './format.mjs';
import { benchSizes, experimentKnobs } from './knobs.mjs';
import { busRun, bullmqRun, consumerProcess, rawStreamsRun, setRunTimeout } from './redis-cases.mjs';
import { CONCURRENCY, WINDOW } from './redis-common.mjs';
import { REDIS_SETTINGS, startRedis } from './redis-server.mjs';
import { comparisonRows, ROUNDS, runRounds, sizeLabel } from './rounds.mjs';

// `BENCH_SIZES=4096` runs one size only (for profiling); the committed tables use both.
const SIZES = benchSizes(process.env.BENCH_SIZES, [100, 4096]);
const RESULTS = new URL('../results/redis.md', import.meta.url);

const CASES = [
  { id: 'streams', short: 'streams', name: 'raw Redis Streams (XADD, XREADGROUP, XACK)', baseline: true, run: rawStreamsRun },
  { id: 'bullmq', short: 'BullMQ', name: 'BullMQ (add, Worker)', baseline: true, run: bullmqRun },
  { id: 'bus-redis', name: 'Resolute redis-bus, Redis Store (same server)', run: bus({ store: 'redis' }) },
  { id: 'bus-redis-handled', name: "Resolute redis-bus, Redis Store, sub ack 'handled'", run: bus({ store: 'redis', ack: 'handled' }) },
  { id: 'bus-redis-direct', name: "Resolute redis-bus, Redis Store, outbox.direct, sub ack 'handled'", run: bus({ store: 'redis', ack: 'handled', direct: true }) },
  { id: 'bus-memory', name: 'Resolute redis-bus, MemoryStore', run: bus({ store: 'memory' }) },
  { id: 'bus-level', name: 'Resolute redis-bus, LevelStore (fsync)', run: bus({ store: 'level' }) },
  { id: 'bus-level-handled', name: "Resolute redis-bus, LevelStore (fsync), sub ack 'handled'", run: bus({ store: 'level', ack: 'handled' }) },
];

function bus(options) {
  return (consumer, redis, o) => busRun(consumer, redis, { ...o, ...options });
}

export async function redisBench({ quick = false, args = [], log = console.log } = {}) {
  const only = args.find((arg) => arg.startsWith('--case='))?.slice('--case='.length).split(',');
  const cases = only === undefined ? CASES : CASES.filter((c) => only.includes(c.id));
  if (cases.length === 0) throw new Error(`--case: pick from ${CASES.map((c) => c.id).join(', ')}`);
  const n = quick ? 1_000 : 10_000;
  setRunTimeout(quick ? 60_000 : 120_000);
  const redis = await startRedis();
  const machine = describeMachine();
  const version = await redis.version();
  const settings = `n=${n} per round, at most ${WINDOW} messages added and not yet handled, ${CONCURRENCY} handlers at once, ${ROUNDS} rounds after a warm-up, alternating, median of rounds; producer in the bench process, consumer in a child process per case; redis-server ${version} ${REDIS_SETTINGS.join(' ')}`;
  log(`redis bench: ${settings}; ${machine.nproc} cores, load ${machine.load}`);
  const consumers = new Map(cases.map((c) => [c.id, consumerProcess(c.id)]));
  let summary;
  try {
    summary = await runRounds({
      cases,
      sizes: SIZES,
      n,
      log: process.env.BENCH_VERBOSE ? log : undefined,
      run: async (testCase, size, count) => {
        await redis.flush();
        return testCase.run(consumers.get(testCase.id), redis, { size, n: count });
      },
    });
  } finally {
    await Promise.all([...consumers.values()].map((consumer) => consumer.stop()));
    await redis.stop();
  }
  const rows = comparisonRows(summary);
  const tables = [formatTable(rows), '', 'CPU µs per message, by process (median of rounds):', '', formatTable(cpuRows(summary))];
  const budget = budgetRows(summary);
  if (budget.length > 0) tables.push('', `CPU per message against the target (3x BullMQ; ${availableParallelism()} cores: msgs/s ≤ cores / CPU per message):`, '', formatTable(budget), '', ...BUDGET_LEGEND);
  const table = tables.join('\n');
  log(table);
  const duplicates = summary.reduce((sum, s) => sum + s.duplicates, 0);
  log(`redeliveries across all rounds (dropped by the inbox dedupe or run twice): ${duplicates}`);
  const legend = LEGEND.join('\n');
  log(legend);
  if (!quick && only === undefined && !experimentKnobs()) {
    writeResultsFile(RESULTS, { title: 'redis bench: Resolute redis-bus beside BullMQ and raw Redis Streams', bench: 'redis', machine, settings, table, legend });
    log(`written to ${RESULTS.pathname}`);
  }
  return rows;
}

function cpuRows(summary) {
  const us = (value) => value.toFixed(value < 10 ? 1 : 0);
  return summary.map(({ testCase, size, cpu }) => ({
    case: testCase.name,
    size: sizeLabel(size),
    producer: us(cpu.producer),
    consumer: us(cpu.consumer),
    'redis-server': us(cpu.redis),
    total: us(cpu.producer + cpu.consumer + cpu.redis),
  }));
}

/** Per size: the CPU per message the 3x target allows, beside what raw Streams, BullMQ and our rows spent (same run). */
function budgetRows(summary) {
  const total = (s) => s.cpu.producer + s.cpu.consumer + s.cpu.redis;
  const cores = availableParallelism();
  return SIZES.flatMap((size) => {
    const find = (id) => summary.find((s) => s.testCase.id === id && s.size === size);
    const [bullmq, streams] = [find('bullmq'), find('streams')];
    if (bullmq === undefined || streams === undefined) return [];
    const ours = summary.filter((s) => s.size === size && !s.testCase.baseline);
    return [{
      size: sizeLabel(size),
      'budget at 3x BullMQ': `${((cores * 1e6) / (3 * bullmq.rate)).toFixed(0)} µs`,
      'raw Streams': `${total(streams).toFixed(0)} µs (${((streams.rate * total(streams)) / 1e6).toFixed(2)} cores busy)`,
      BullMQ: `${total(bullmq).toFixed(0)} µs (${((bullmq.rate * total(bullmq)) / 1e6).toFixed(2)} cores busy)`,
      'Resolute rows (in table order)': ours.map((s) => `${total(s).toFixed(0)}`).join(' / ') + ' µs',
    }];
  });
}

const BUDGET_LEGEND = [
  'Budget: what one message may cost, all three processes together, for 3x BullMQ\'s msgs/s on these cores if they',
  'were all busy; "cores busy" = msgs/s × CPU per message: how close a case comes to that. raw Streams writes each',
  'payload once and keeps no store, no dedupe and no envelope: it is the least any row can spend.',
];

const LEGEND = [
  'Producer (add/publish) in the bench process, consumer (worker/subscriber) in a child process, one redis-server:',
  'three processes on the cores above. Latency: from the add/publish call to the handler/processor running in the',
  'other process (wall clock, one machine). msgs/s: first add → n-th handled. CPU µs per message: user + system time',
  'of each process (all threads) over the timed part and the bookkeeping after it (acks, completions), divided by n;',
  "redis-server's from INFO cpu, so its AOF fsync thread counts too.",
  '',
  'What a resolved add/publish means, and what a consumer crash does, per row:',
  '- raw Streams: the entry is in Redis (AOF, fsync every second); XACK after the no-op handler, so an entry a crash',
  '  interrupted stays pending in the group. No store, no dedupe: the floor.',
  '- BullMQ: the job is in Redis; a crashed worker\'s job is re-run once it is seen stalled.',
  '- Redis Store: the publish is in the publisher\'s outbox in Redis, as durable as a BullMQ add (the like-for-like',
  '  row). The subscriber writes each message to its inbox (Redis) before XACK, runs the handler, then completes it.',
  '- MemoryStore: the transport\'s own cost; a resolved publish survives no publisher crash before its XADD, and a',
  '  message acked to Redis survives no subscriber crash before its handler ran.',
  '- LevelStore (fsync): both sides fsync to local disk (durable beyond Redis\'s settings): outbox before XADD, inbox',
  '  before XACK.',
  "- sub ack 'handled' (publisher as in its store's row; the subscriber's inbox option): a resolved publish is durable",
  "  in the publisher's store; the subscriber acks Redis only after its handler ran, so a crash re-delivers (the",
  "  handler may run again); nothing is written to the subscriber's inbox unless the handler fails. On the happy path",
  '  the subscriber writes only the dedupe entry of each message, relaxed (no fsync), before the ack.',
];
