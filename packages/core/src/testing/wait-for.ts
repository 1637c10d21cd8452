import { setTimeout as delay } from 'node:timers/promises';
import { ResoluteError } from '../errors.js';

export interface WaitForOptions {
  /** Give up after this long. Default 5000 ms. */
  timeoutMs?: number;
  /** Time between two checks. Default 10 ms. */
  intervalMs?: number;
  /** Says what was awaited, for the TIMEOUT error (a function is called only on timeout). */
  message?: string | (() => string);
}

/**
 * Polls `predicate` until it returns a truthy value (or a promise of one) and resolves with that value. A predicate
 * that throws counts as "not yet"; its last error becomes the `cause` of the TIMEOUT error (code TIMEOUT) thrown once
 * `timeoutMs` has passed. This is how tests wait: never a fixed sleep.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const intervalMs = options.intervalMs ?? 10;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const what = typeof options.message === 'function' ? options.message() : (options.message ?? 'condition');
      throw new ResoluteError('TIMEOUT', `waitFor: ${what} not met within ${timeoutMs} ms`, {
        cause: lastError,
        retryable: false,
      });
    }
    await delay(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
}
