export { createStoreFromConfig } from './store-from-config.js';
export { LevelStore } from './level-store.js';
export { LEVEL_STORE_DEFAULTS } from './level-store-options.js';
export type { GroupCommitOptions, LevelStoreOptions } from './level-store-options.js';
export type { CommitStats } from './group-commit.js';
export { LOCK_FILE_NAME, lockHolderState, readLock, removeLock } from './lock-file.js';
export type { LockHolderState, LockInfo, RemoveLockOptions } from './lock-file.js';
export { LAYOUT_VERSION } from './layout-version.js';
export { mapLevelError } from './map-level-error.js';
