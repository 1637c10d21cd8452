// `npm run bench` with several benches ends with one table: every row of every bench with its rate, latency and its
// ratio to the peer(s) of that bench, written with the machine description to results/summary.md on a full run.
import { writeFileSync } from 'node:fs';
import { describeMachine, describeRevision, formatTable } from './format.mjs';

/** Rows of one bench (whatever its own columns) in the summary's shape. */
function summaryRows(bench, rows) {
  return rows.map((row) => {
    const ratios = Object.entries(row)
      .filter(([column]) => column.startsWith('vs '))
      .map(([column, value]) => `${value} ${column}`);
    return {
      bench,
      case: row.case,
      size: row.size ?? '–',
      'msgs/s': row['msgs/s'] ?? row['ops/s'] ?? '–',
      'p50 ms': row['p50 ms'] ?? '–',
      'p99 ms': row['p99 ms'] ?? '–',
      'ratio to the peer': ratios.join(', ') || '–',
    };
  });
}

export function printSummary(results, { quick, log = console.log }) {
  const rows = results.flatMap(({ bench, rows: benchRows }) => (Array.isArray(benchRows) ? summaryRows(bench, benchRows) : []));
  if (rows.length === 0) return;
  const table = formatTable(rows);
  log(`\nAll benches, one table:\n${table}`);
  if (quick) return;
  const machine = describeMachine();
  writeFileSync(
    new URL('../results/summary.md', import.meta.url),
    [
      '# All benches, one run',
      '',
      `Command: \`npm run bench\`. Machine: ${machine.nproc} cores (\`nproc\`), ${machine.cpu}, Node ${machine.node}; load average at`,
      `start ${machine.load}. Date: ${machine.date}. Code: ${describeRevision()}. Each bench's own file in this directory has its`,
      'settings and legend; every ratio is to a peer measured in the same run.',
      '',
      table,
      '',
    ].join('\n'),
  );
  log('written to tools/bench/results/summary.md');
}
