import { type ErrorCode, ResoluteError } from '@resolute/core';
import { expect } from 'vitest';

/** Runs `action`, asserts it fails with a ResoluteError of `code`, and returns the error for more checks. */
export async function expectCode(action: () => unknown, code: ErrorCode): Promise<ResoluteError> {
  let failure: unknown;
  try {
    await action();
  } catch (error) {
    failure = error;
  }
  expect(failure, `expected ${code}, got ${String(failure)}`).toBeInstanceOf(ResoluteError);
  expect((failure as ResoluteError).code, (failure as Error).message).toBe(code);
  return failure as ResoluteError;
}
