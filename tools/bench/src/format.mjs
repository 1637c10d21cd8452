// Helpers every bench shares: the median of rounds, percentiles of latency samples, the table they all print.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** The q-quantile (0..1) of `samples` (nearest rank); sorts a copy. */
export function percentile(samples, q) {
  if (samples.length === 0) return NaN;
  const sorted = Float64Array.from(samples).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export const formatRate = (perSecond) => Math.round(perSecond).toLocaleString('en-US');

/** Rows of string cells as a Markdown table: first column left-aligned, the others right-aligned. */
export function formatTable(rows) {
  const columns = Object.keys(rows[0]);
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => row[column].length)));
  const line = (cells) => `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`;
  return [line(columns), `|${widths.map((width, i) => (i === 0 ? '-'.repeat(width + 2) : `${'-'.repeat(width + 1)}:`)).join('|')}|`, ...rows.map((row) => line(columns.map((column) => row[column])))].join('\n');
}

/** The commit measured, and which packages had uncommitted changes (their dist is what ran). */
export function describeRevision() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--', 'packages'], { encoding: 'utf8' });
    const dirty = [...new Set(status.split('\n').filter(Boolean).map((line) => line.slice(3).split('/').slice(0, 2).join('/')))];
    return dirty.length === 0 ? head : `${head} with uncommitted changes in ${dirty.join(', ')}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** What the numbers were measured on: cores, CPU model, Node version, load when the run began. */
export function describeMachine() {
  let cpu = 'unknown CPU';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    // not Linux: keep 'unknown CPU'
  }
  let nproc = String(availableParallelism());
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // no coreutils: availableParallelism() is the same figure
  }
  return { nproc, cpu, node: process.version, load: loadavg().map((l) => l.toFixed(2)).join(' '), date: new Date().toISOString() };
}

/**
 * Writes a bench's results file: title, the command that reproduces it, the machine and code measured, settings,
 * table and legend. `server` names the broker or server the run used, when there is one.
 */
export function writeResultsFile(url, { title, bench, machine, server, settings, table, legend }) {
  mkdirSync(new URL('.', url), { recursive: true });
  writeFileSync(
    url,
    [
      `# ${title}`,
      '',
      `Command: \`npm run bench -- ${bench}\` (builds first), or \`node tools/bench/src/main.mjs ${bench}\` after a build.`,
      '',
      `Machine: ${machine.nproc} cores (\`nproc\`), ${machine.cpu}, Node ${machine.node}; load average at start ${machine.load}`,
      `(other work shared the CPU).${server === undefined ? '' : ` ${server}.`} Date: ${machine.date}. Code: ${describeRevision()}.`,
      '',
      `Settings: ${settings}.`,
      '',
      table,
      '',
      legend,
      '',
    ].join('\n'),
  );
}
