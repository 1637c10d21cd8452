import { isAbsolute, join } from 'node:path';
import { ResoluteError, type BackendContext } from '@resolute/core';
import { LevelStore } from './level-store.js';
import type { LevelStoreOptions } from './level-store-options.js';

/**
 * What `createBusFromConfig` calls for `"store": { "type": "level", "path": "./data/web", ... }`. A relative path is
 * taken from the config file's directory. Other fields are LevelStoreOptions (`groupCommit`, `staleLock`).
 */
export function createStoreFromConfig(section: Record<string, unknown>, context: BackendContext): LevelStore {
  const { type: _type, package: _package, path, ...rest } = section;
  if (typeof path !== 'string' || path.trim() === '') {
    throw new ResoluteError('INVALID_CONFIG', 'store.path is missing: set it to the directory the LevelDB store lives in', { retryable: false, details: { field: 'store.path' } });
  }
  const unknown = Object.keys(rest).filter((key) => key !== 'groupCommit' && key !== 'staleLock');
  if (unknown.length > 0) {
    throw new ResoluteError('INVALID_CONFIG', `store.${unknown[0]} is not a LevelStore option (known: path, groupCommit, staleLock)`, { retryable: false, details: { field: `store.${unknown[0]}` } });
  }
  return new LevelStore({ ...(rest as Partial<LevelStoreOptions>), path: isAbsolute(path) ? path : join(context.baseDir, path), logger: context.logger });
}
