import { resolve } from 'node:path';
import { type Logger, ResoluteError, silentLogger } from '@resolute/core';

export interface GroupCommitOptions {
  /**
   * Gather concurrent batch() calls into one fsync'd LevelDB write while the previous write is in flight. Each call
   * still resolves only once the write holding it is durable, and is never split across writes. Default true; off,
   * every call is its own fsync'd write (useful to measure what group commit buys).
   */
  enabled?: boolean;
  /** A gathered write takes whole calls until it holds this many operations. Default 10000. */
  maxOperations?: number;
  /** ...or this many bytes of keys and values. Default 16 MiB. A single larger call is written alone. */
  maxBytes?: number;
}

export interface LevelStoreOptions {
  /** The store directory (created if missing). One process at a time may open it. */
  path: string;
  groupCommit?: GroupCommitOptions;
  /**
   * What open() does when `resolute.lock` names a process of this host that is no longer running (it crashed or was
   * killed): 'takeover' replaces the lock and logs a warning; 'refuse' rejects with STORE_LOCKED, for operators who
   * want to look first. Default 'takeover'. A lock from another host is always refused.
   */
  staleLock?: 'takeover' | 'refuse';
  /** Where warnings go (a pino logger fits). Default: silent. */
  logger?: Logger;
}

export interface ResolvedLevelStoreOptions {
  path: string;
  groupCommit: Required<GroupCommitOptions>;
  staleLock: 'takeover' | 'refuse';
  logger: Logger;
}

export const LEVEL_STORE_DEFAULTS = {
  groupCommit: { enabled: true, maxOperations: 10_000, maxBytes: 16 * 1024 * 1024 },
  staleLock: 'takeover',
} as const;

/** Applies the defaults and validates: a bad option throws INVALID_CONFIG naming the field. */
export function resolveLevelStoreOptions(options: LevelStoreOptions): ResolvedLevelStoreOptions {
  if (typeof options !== 'object' || options === null) fail('options', options, 'an object with at least { path }');
  const { path, groupCommit = {}, staleLock = LEVEL_STORE_DEFAULTS.staleLock, logger = silentLogger } = options;
  if (typeof path !== 'string' || path.trim() === '') fail('path', path, 'a non-empty directory path');
  if (typeof groupCommit !== 'object' || groupCommit === null) fail('groupCommit', groupCommit, 'an object');
  const defaults = LEVEL_STORE_DEFAULTS.groupCommit;
  const { enabled = defaults.enabled, maxOperations = defaults.maxOperations, maxBytes = defaults.maxBytes } = groupCommit;
  if (typeof enabled !== 'boolean') fail('groupCommit.enabled', enabled, 'true or false');
  if (!isPositiveInteger(maxOperations)) fail('groupCommit.maxOperations', maxOperations, 'a whole number >= 1');
  if (!isPositiveInteger(maxBytes)) fail('groupCommit.maxBytes', maxBytes, 'a whole number >= 1');
  if (staleLock !== 'takeover' && staleLock !== 'refuse') fail('staleLock', staleLock, "'takeover' or 'refuse'");
  if (typeof logger !== 'object' || logger === null || typeof logger.warn !== 'function') {
    fail('logger', logger, 'a logger with debug/info/warn/error methods (pino fits)');
  }
  return { path: resolve(path), groupCommit: { enabled, maxOperations, maxBytes }, staleLock, logger };
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

function fail(field: string, value: unknown, expected: string): never {
  const shown =
    typeof value === 'string'
      ? JSON.stringify(value)
      : typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null
        ? String(value)
        : `a ${typeof value}`;
  throw new ResoluteError('INVALID_CONFIG', `LevelStore option ${field} is ${shown}: it must be ${expected}`, {
    details: { field },
  });
}
