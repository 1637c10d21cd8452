// Bench entry point: `node tools/bench/src/main.mjs <bench...> [--quick]`. With no bench named, runs them all.
// Needs the packages built first (`npm run build`), since it imports their dist. Other `--flags` go to the benches
// (the zmq bench takes `--case=raw,bus-memory,...`, the backlog bench `--messages=N`).
import { amqpBench } from './amqp-bench.mjs';
import { backlogBench } from './backlog-bench.mjs';
import { printSummary } from './summary.mjs';
import { mdpBench } from './mdp-bench.mjs';
import { redisBench } from './redis-bench.mjs';
import { storeBench } from './store-bench.mjs';
import { zmqBench } from './zmq-bench.mjs';

const BENCHES = { store: storeBench, zmq: zmqBench, amqp: amqpBench, redis: redisBench, mdp: mdpBench, backlog: backlogBench };

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const names = args.filter((arg) => !arg.startsWith('--'));
const unknown = names.filter((name) => !(name in BENCHES));
if (unknown.length > 0 || args.includes('--help')) {
  console.error(`usage: node tools/bench/src/main.mjs [${Object.keys(BENCHES).join('|')}]... [--quick]`);
  process.exit(unknown.length > 0 ? 2 : 0);
}
const results = [];
for (const name of names.length > 0 ? names : Object.keys(BENCHES)) {
  results.push({ bench: name, rows: await BENCHES[name]({ quick, args }) });
}
if (results.length > 1) printSummary(results, { quick });
