import { ResoluteError } from '@resolute/core';

/**
 * The one place where errors from LevelDB (classic-level / abstract-level) and from the file system become
 * ResoluteErrors. Each keeps the original as `cause`.
 *
 * | driver says                                   | we say                                  |
 * |-----------------------------------------------|-----------------------------------------|
 * | LEVEL_LOCKED (LevelDB's own LOCK file)         | STORE_LOCKED                            |
 * | LEVEL_CORRUPTION                               | STORE_CORRUPT                           |
 * | LEVEL_IO_ERROR, EIO, ENOSPC, EMFILE, ...       | STORE_IO, retryable                     |
 * | EACCES, EPERM, EROFS                           | STORE_IO, not retryable (needs a human) |
 * | LEVEL_DATABASE_NOT_OPEN with a cause           | whatever the cause maps to              |
 * | LEVEL_DATABASE_NOT_OPEN, LEVEL_ITERATOR_NOT_OPEN | STORE_CLOSED                          |
 * | LEVEL_INVALID_KEY, LEVEL_INVALID_VALUE         | INVALID_ARGUMENT                        |
 * | anything else                                  | INTERNAL                                |
 */
export interface LevelErrorContext {
  /** What we were doing, for the message: 'open', 'batch', 'get', ... */
  operation: string;
  /** The store directory. */
  path: string;
}

const PERMANENT_FS_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EISDIR']);
const TRANSIENT_FS_CODES = new Set(['EIO', 'ENOSPC', 'EDQUOT', 'EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'ENOMEM']);

export function mapLevelError(error: unknown, context: LevelErrorContext): ResoluteError {
  if (error instanceof ResoluteError) return error;
  const code = codeOf(error);
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  const detail = error instanceof Error ? error.message : String(error);
  const where = `${context.operation} on the store in ${context.path}`;
  const details = { path: context.path, operation: context.operation, driverCode: code };

  if (code === 'LEVEL_DATABASE_NOT_OPEN' && cause !== undefined && codeOf(cause) !== undefined) {
    return mapLevelError(cause, context);
  }
  switch (code) {
    case 'LEVEL_LOCKED':
      return new ResoluteError(
        'STORE_LOCKED',
        `${where} failed: LevelDB's LOCK file is held by another process or by another open instance in this process ` +
          `(${detail}). Close the other instance or stop that process, then retry.`,
        { cause: error, details },
      );
    case 'LEVEL_CORRUPTION':
      return new ResoluteError(
        'STORE_CORRUPT',
        `${where} failed: LevelDB reports corruption (${detail}). Stop every process using it, copy the directory ` +
          'aside, then restore it from a backup or run ClassicLevel.repair on the copy.',
        { cause: error, details },
      );
    case 'LEVEL_IO_ERROR':
      return new ResoluteError('STORE_IO', `${where} failed with an I/O error (${detail}). Check the disk (space, permissions, health); retrying may succeed.`, { cause: error, details });
    case 'LEVEL_DATABASE_NOT_OPEN':
    case 'LEVEL_ITERATOR_NOT_OPEN':
      return new ResoluteError('STORE_CLOSED', `${where} failed: the store is closed (${detail}). Open it again first.`, { cause: error, details });
    case 'LEVEL_INVALID_KEY':
    case 'LEVEL_INVALID_VALUE':
      return new ResoluteError('INVALID_ARGUMENT', `${where} failed: ${detail}`, { cause: error, details });
  }
  if (code !== undefined && PERMANENT_FS_CODES.has(code)) {
    return new ResoluteError('STORE_IO', `${where} failed: ${detail}. Fix the directory's ownership or permissions, or choose another path.`, {
      cause: error,
      retryable: false,
      details,
    });
  }
  if (code !== undefined && TRANSIENT_FS_CODES.has(code)) {
    return new ResoluteError('STORE_IO', `${where} failed: ${detail}. Check the disk (space, health); retrying may succeed.`, { cause: error, details });
  }
  return new ResoluteError('INTERNAL', `${where} failed unexpectedly: ${detail}`, { cause: error, details });
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
