// The mdp bench: request/reply through Resolute's Majordomo broker beside a direct DEALER/ROUTER echo, same run.
//
//   node tools/bench/src/main.mjs mdp [--quick] [--case=direct,broker-1,broker-4]
//
// 256 B requests, WINDOW outstanding; warm-up, then rounds alternating (rounds.mjs). A full run writes
// tools/bench/results/mdp.md.
import { describeMachine, formatTable, writeResultsFile } from './format.mjs';
import { brokerRun, directRun, WINDOW } from './mdp-cases.mjs';
import { comparisonRows, ROUNDS, runRounds } from './rounds.mjs';

const SIZES = [256];
const RESULTS = new URL('../results/mdp.md', import.meta.url);

const CASES = [
  { id: 'direct', short: 'direct', name: 'direct DEALER → ROUTER echo (no broker)', baseline: true, run: directRun },
  { id: 'broker-1', name: 'Resolute mdp-broker, 1 worker', run: (o) => brokerRun({ ...o, workers: 1 }) },
  { id: 'broker-4', name: 'Resolute mdp-broker, 4 workers', run: (o) => brokerRun({ ...o, workers: 4 }) },
];

export async function mdpBench({ quick = false, args = [], log = console.log } = {}) {
  const only = args.find((arg) => arg.startsWith('--case='))?.slice('--case='.length).split(',');
  const cases = only === undefined ? CASES : CASES.filter((c) => only.includes(c.id));
  if (cases.length === 0) throw new Error(`--case: pick from ${CASES.map((c) => c.id).join(', ')}`);
  const n = quick ? 2_000 : 20_000;
  const machine = describeMachine();
  const settings = `n=${n} round trips per round, ${WINDOW} outstanding, 256 B, ${ROUNDS} rounds after a warm-up, alternating, median of rounds; client, broker and workers in one process, TCP on 127.0.0.1`;
  log(`mdp bench: ${settings}; ${machine.nproc} cores, load ${machine.load}`);
  const summary = await runRounds({ cases, sizes: SIZES, n, log: process.env.BENCH_VERBOSE ? log : undefined, run: (testCase, size, count) => testCase.run({ size, n: count }) });
  const rows = comparisonRows(summary);
  const table = formatTable(rows);
  log(table);
  const legend = [
    'Latency: request sent → reply received at the client. A Majordomo worker serves one request at a time (18/MDP),',
    'so with 1 worker every request waits for the one before it; 4 workers serve 4 at once. The direct echo answers',
    'every request as it comes: it is the floor a broker (two extra hops, service lookup, LRU dispatch) is measured against.',
  ].join('\n');
  log(legend);
  if (!quick && only === undefined) {
    writeResultsFile(RESULTS, { title: 'mdp bench: Resolute mdp-broker beside a direct DEALER/ROUTER echo', bench: 'mdp', machine, settings, table, legend });
    log(`written to ${RESULTS.pathname}`);
  }
  return rows;
}
