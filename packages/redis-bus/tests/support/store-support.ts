import { type ErrorCode, type Logger, ResoluteError } from '@resolute/core';
import { expect } from 'vitest';
import type { PrivateRedis } from './private-redis.js';

/** Deletes every key of the store `name` (default prefix) on these servers: a test's cleanup. */
export async function dropStore(servers: readonly PrivateRedis[], name: string, prefix = 'resolute'): Promise<void> {
  await Promise.all(
    servers.map(async (server) => {
      const client = server.client();
      try {
        const keys = await client.keys(`${prefix}:{store:${name}}:*`);
        if (keys.length > 0) await client.del(...keys);
      } catch {
        // a server a test killed: its temp dir goes with destroy()
      } finally {
        client.disconnect();
      }
    }),
  );
}

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

export interface LogRecord {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object;
  msg: string | undefined;
}

/** A Logger that keeps what it was given, so tests can check what was logged. */
export function recordingLogger(): Logger & { records: LogRecord[] } {
  const records: LogRecord[] = [];
  const at =
    (level: LogRecord['level']) =>
    (obj: object, msg?: string): void => {
      records.push({ level, obj, msg });
    };
  return { records, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
