export interface BackoffOptions {
  /** Delay before the first retry, in ms. */
  initialDelayMs: number;
  /** Ceiling for any delay, in ms. */
  maxDelayMs: number;
  /** Each retry waits this many times longer than the last. */
  factor: number;
  /** 0..1: the delay is drawn uniformly from [d * (1 - jitter), d], so many failing peers do not retry in step. */
  jitter: number;
}

/** Exponential backoff with jitter; `attempt` 1 is the first retry. */
export function backoffDelay(options: BackoffOptions, attempt: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * options.factor ** exponent);
  return Math.round(base * (1 - options.jitter * random()));
}
