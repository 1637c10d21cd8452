const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/**
 * Durations for people: the largest unit and the next one, `45s`, `2m 10s`, `3h`, `2d 4h`. Under a second: `<1s`.
 * Negative (a time in the future, a retry not yet due): `in 2m 10s`.
 */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 0) return `in ${formatAge(-ms)}`;
  if (ms < 1000) return '<1s';
  const first = UNITS.findIndex(([, size]) => ms >= size);
  const [bigName, bigSize] = UNITS[first]!;
  const big = Math.floor(ms / bigSize);
  const next = UNITS[first + 1];
  if (next === undefined) return `${big}${bigName}`;
  const small = Math.floor((ms - big * bigSize) / next[1]);
  return small === 0 ? `${big}${bigName}` : `${big}${bigName} ${small}${next[0]}`;
}

/** An ISO time, or '-' when unknown. */
export function formatTime(ms: number | undefined): string {
  return ms === undefined || !Number.isFinite(ms) || ms <= 0 ? '-' : new Date(ms).toISOString();
}
