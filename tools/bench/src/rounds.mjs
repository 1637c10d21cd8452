// The measuring loop the comparison benches share: every case at every size, a warm-up at n/10, then ROUNDS rounds
// whose order alternates (forward, reversed, ...) so no case always runs on a warmer or cooler machine; each case's
// figures are the median of its rounds.
import { formatRate, median } from './format.mjs';

/** Rounds per case; BENCH_ROUNDS=1 for the smoke run CI does. */
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
export const sizeLabel = (size) => (size >= 1024 ? `${size / 1024} KB` : `${size} B`);
export const ms = (value) => (value < 10 ? value.toFixed(2) : value.toFixed(1));

/**
 * `run(testCase, size, n)` resolves `{ n, ms, p50, p99, duplicates?, cpu? }`, `cpu` being figures by name (CPU µs per
 * message of each process, say). Returns one summary per (case, size): `{ testCase, size, rate, p50, p99, duplicates,
 * cpu? }`, each `cpu` figure the median of the rounds'.
 */
export async function runRounds({ cases, sizes, n, run, log = () => {} }) {
  const units = cases.flatMap((testCase) => sizes.map((size) => ({ testCase, size })));
  const results = new Map(units.map((unit) => [unit, []]));
  for (const unit of units) await run(unit.testCase, unit.size, Math.max(100, n / 10));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? units : [...units].reverse();
    for (const unit of order) {
      const result = await run(unit.testCase, unit.size, n);
      results.get(unit).push(result);
      log(`  round ${round + 1}: ${unit.testCase.id} ${sizeLabel(unit.size)}: ${formatRate((result.n / result.ms) * 1000)} msg/s, p50 ${ms(result.p50)} ms`);
    }
  }
  return units.map((unit) => {
    const runs = results.get(unit);
    return {
      testCase: unit.testCase,
      size: unit.size,
      rate: median(runs.map((r) => (r.n / r.ms) * 1000)),
      p50: median(runs.map((r) => r.p50)),
      p99: median(runs.map((r) => r.p99)),
      duplicates: runs.reduce((sum, r) => sum + (r.duplicates ?? 0), 0),
      cpu: runs[0].cpu === undefined ? undefined : Object.fromEntries(Object.keys(runs[0].cpu).map((key) => [key, median(runs.map((r) => r.cpu[key]))])),
    };
  });
}

/**
 * Table rows: each case with its rate, latency and its ratio to every case marked `baseline` (a column per baseline,
 * headed by the baseline's `short` name) at the same size.
 */
export function comparisonRows(summary) {
  const baselines = [...new Set(summary.filter((s) => s.testCase.baseline).map((s) => s.testCase))];
  return summary.map((s) => {
    const row = { case: s.testCase.name, size: sizeLabel(s.size), 'msgs/s': formatRate(s.rate), 'p50 ms': ms(s.p50), 'p99 ms': ms(s.p99) };
    for (const base of baselines) {
      const peer = summary.find((x) => x.testCase === base && x.size === s.size);
      row[`vs ${base.short ?? base.id}`] = peer === undefined ? 'n/a' : `${(s.rate / peer.rate).toFixed(3)}x`;
    }
    return row;
  });
}
