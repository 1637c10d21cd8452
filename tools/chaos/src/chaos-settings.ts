/**
 * How big a chaos run is. `quick` (the default, what CI runs): 2,000 events and 4 kill steps per transport. `full`
 * (`npm run chaos`): 10,000 events and 30 kill steps per transport. Each can be overridden; the seed is random unless
 * given, and always printed so a failing run can be replayed.
 */
export interface ChaosSettings {
  readonly mode: 'quick' | 'full';
  readonly seed: number;
  readonly messages: number;
  readonly kills: number;
  /** Transports to run (default all). */
  readonly only: readonly string[] | undefined;
  /** A file to append each run's report to, one JSON line each (`npm run chaos` sets it). */
  readonly reportFile: string | undefined;
}

export function chaosSettings(env: NodeJS.ProcessEnv = process.env): ChaosSettings {
  const mode = env.RESOLUTE_CHAOS_MODE === 'full' ? 'full' : 'quick';
  const number = (value: string | undefined, fallback: number): number => (value === undefined || value === '' ? fallback : Number(value));
  return {
    mode,
    seed: number(env.RESOLUTE_CHAOS_SEED, Math.floor(Math.random() * 2 ** 31)),
    messages: number(env.RESOLUTE_CHAOS_MESSAGES, mode === 'full' ? 10_000 : 2_000),
    kills: number(env.RESOLUTE_CHAOS_KILLS, mode === 'full' ? 30 : 4),
    only: env.RESOLUTE_CHAOS_TRANSPORTS ? env.RESOLUTE_CHAOS_TRANSPORTS.split(',') : undefined,
    reportFile: env.RESOLUTE_CHAOS_REPORT || undefined,
  };
}
