import { ResoluteError } from '@resolute/core';
import type { z } from 'zod';

/**
 * Method arguments (consume options, a message, a name) are checked here: a bad one throws INVALID_ARGUMENT naming
 * the field and saying what to pass. Options given at construction use `parseWith` (INVALID_CONFIG) instead.
 */
export function parseArguments<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const fields = result.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new ResoluteError('INVALID_ARGUMENT', `invalid ${what}: ${fields}`, {
    retryable: false,
    details: { fields: result.error.issues.map((i) => i.path.map(String).join('.')) },
  });
}

/** Up to 200 visible characters, no spaces and no braces (a brace would break the Redis Cluster hash tag). */
const NAME_PATTERN = /^[^\s\p{Cc}{}]{1,200}$/u;

/** A queue, channel, role or pub/sub name. */
export function assertBusName(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || !NAME_PATTERN.test(value)) {
    throw new ResoluteError(
      'INVALID_ARGUMENT',
      `${what} must be a string of 1-200 visible characters without spaces or braces (got ${JSON.stringify(value)})`,
      { retryable: false, details: { field: what } },
    );
  }
}

/** What may be pushed, sent or published: text or bytes, stored as is. */
export type MessageBody = string | Buffer | Uint8Array;

export function toBody(value: unknown, what: string): string | Buffer {
  if (typeof value === 'string' || Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new ResoluteError(
    'INVALID_ARGUMENT',
    `${what} must be a string or a Buffer (got ${value === null ? 'null' : typeof value}): serialise objects first, e.g. JSON.stringify(message)`,
    { retryable: false, details: { field: what } },
  );
}
