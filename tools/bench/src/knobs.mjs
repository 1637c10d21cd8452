// Environment knobs for experiments (profiling one size, another window). A run with any of them set is not the
// standard run, so it never overwrites the committed tables in results/.

const KNOBS = ['BENCH_SIZES', 'BENCH_WINDOW', 'BENCH_BUS_OPTIONS', 'BENCH_TRANSPORT_OPTIONS'];

/** True when a knob that changes what the tables mean is set. */
export function experimentKnobs() {
  return KNOBS.some((name) => process.env[name] !== undefined && process.env[name] !== '');
}

/** `BENCH_SIZES=4096` (comma-separated): a subset of the sizes the bench knows, or an error naming them. */
export function benchSizes(value, known) {
  if (value === undefined || value === '') return known;
  const sizes = value.split(',').map(Number);
  const unknown = sizes.filter((size) => !known.includes(size));
  if (unknown.length > 0) throw new Error(`BENCH_SIZES=${value}: pick from ${known.join(', ')}`);
  return sizes;
}

/** A whole number >= 1 from the environment, or `fallback` when unset. */
export function positiveKnob(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}=${raw}: a whole number >= 1`);
  return value;
}
