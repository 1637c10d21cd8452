import { ResoluteError } from '@resolute/core';
import { describe, expect, it } from 'vitest';
import { mapLevelError } from '../src/index.js';

function driverError(code: string, message = code, cause?: unknown): Error {
  return Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { code });
}

const context = { operation: 'batch', path: '/data/store' };

describe('mapLevelError', () => {
  it.each([
    ['LEVEL_LOCKED', 'STORE_LOCKED', false],
    ['LEVEL_CORRUPTION', 'STORE_CORRUPT', false],
    ['LEVEL_IO_ERROR', 'STORE_IO', true],
    ['EIO', 'STORE_IO', true],
    ['ENOSPC', 'STORE_IO', true],
    ['EACCES', 'STORE_IO', false],
    ['EROFS', 'STORE_IO', false],
    ['LEVEL_DATABASE_NOT_OPEN', 'STORE_CLOSED', false],
    ['LEVEL_ITERATOR_NOT_OPEN', 'STORE_CLOSED', false],
    ['LEVEL_INVALID_KEY', 'INVALID_ARGUMENT', false],
    ['SOMETHING_ELSE', 'INTERNAL', false],
  ])('maps %s to %s (retryable %s), keeping the cause and the path', (driverCode, code, retryable) => {
    const original = driverError(driverCode);
    const mapped = mapLevelError(original, context);
    expect(mapped).toBeInstanceOf(ResoluteError);
    expect(mapped.code).toBe(code);
    expect(mapped.retryable).toBe(retryable);
    expect(mapped.cause).toBe(original);
    expect(mapped.message).toContain('/data/store');
  });

  it('maps a failed open by its cause', () => {
    const cause = driverError('LEVEL_LOCKED', 'IO error: lock /data/store/LOCK: already held by process');
    const mapped = mapLevelError(driverError('LEVEL_DATABASE_NOT_OPEN', 'Database failed to open', cause), context);
    expect(mapped.code).toBe('STORE_LOCKED');
    expect(mapped.cause).toBe(cause);
  });

  it('passes ResoluteErrors through and maps non-errors', () => {
    const ours = new ResoluteError('STORE_VERSION', 'newer');
    expect(mapLevelError(ours, context)).toBe(ours);
    expect(mapLevelError('weird', context).code).toBe('INTERNAL');
  });
});
