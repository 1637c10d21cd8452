import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { createStoreFromBusConfig, isResoluteError, loadBackendModule, loadBusConfig, ResoluteError, silentLogger, STORE_PACKAGES, type Store } from '@resolute/core';
import { LevelStore, type LockInfo } from '@resolute/level-store';
import { usageError } from './errors.js';
import type { CliIo } from './io.js';
import { decideOpen, inspectLock, lockedError, takeoverNotice, type AccessMode, type LockReport } from './lock-check.js';

/** The store options every command takes. Exactly one of datadir, redis and config. */
export interface StoreSelection {
  datadir?: string;
  redis?: string;
  /** With redis: the store's name (the service's bus name); default: the only store on that server. */
  name?: string;
  config?: string;
  /** Config profile; default RESOLUTE_PROFILE, then the config's defaultProfile. */
  profile?: string;
}

/** A store chosen but not opened yet. Level stores are handled by path, so the CLI can check the lock first. */
export type StoreTarget =
  | { readonly type: 'level'; readonly path: string; readonly location: string }
  | { readonly type: 'other'; readonly store: Store; readonly location: string };

export interface OpenedStore {
  readonly store: Store;
  readonly kind: string;
  /** The directory, the Redis URL (password hidden) or the store a config named. */
  readonly location: string;
  /**
   * Level stores: what the lock looked like and whether this command took it over. Redis stores: who holds the lock
   * (a read-only command leaves it with its holder; a writing one holds it itself). Other stores: undefined.
   */
  readonly lock: LockReport | undefined;
}

const REDIS_PACKAGE = STORE_PACKAGES.redis ?? '@resolute/redis-bus';

/**
 * Resolves the selection to a store, without opening it. Usage errors when none or several are given. A Redis store
 * selected for `read` is opened read-only: it takes no lock, so a running service keeps it (see redisStore).
 */
export async function resolveTarget(selection: StoreSelection, io: CliIo, mode: AccessMode | 'unlock' = 'write'): Promise<StoreTarget> {
  const given = (['datadir', 'redis', 'config'] as const).filter((k) => selection[k] !== undefined);
  if (given.length !== 1) {
    throw usageError(
      given.length === 0
        ? 'which store? pass --datadir DIR (a LevelDB store), --redis URL, or --config FILE (the config the service uses)'
        : `pass only one of --datadir, --redis and --config (got ${given.map((k) => `--${k}`).join(' and ')})`,
    );
  }
  if (selection.profile !== undefined && selection.config === undefined) throw usageError('--profile applies to --config only');
  if (selection.name !== undefined && selection.redis === undefined) throw usageError('--name applies to --redis only (a config names its own store)');
  if (selection.datadir !== undefined) {
    const path = resolve(io.cwd, selection.datadir);
    return { type: 'level', path, location: path };
  }
  if (selection.redis !== undefined) {
    const store = await redisStore(selection.redis, selection.name, mode === 'read', io);
    const name = (store as { name?: unknown }).name;
    return { type: 'other', store, location: `${redactUrl(selection.redis)}${typeof name === 'string' ? ` (store ${JSON.stringify(name)})` : ''}` };
  }
  const file = resolve(io.cwd, selection.config!);
  const store = await configStore(file, selection.profile, mode, io);
  const path = (store as { path?: unknown }).path;
  if (store.kind === 'level' && typeof path === 'string' && isAbsolute(path)) return { type: 'level', path, location: path };
  if (store.kind === 'memory') {
    throw new ResoluteError('UNSUPPORTED', `the config ${file} uses a memory store, which lives inside the service's process: there is nothing on disk to inspect`, {
      retryable: false,
    });
  }
  return { type: 'other', store, location: `${store.kind} store of ${file}` };
}

/**
 * The store a config names. A Redis store read by a read-only command is opened readOnly, as with --redis: beside
 * the running service, without its lock. (The config is resolved once, profile applied, then passed as an object.)
 */
async function configStore(file: string, profile: string | undefined, mode: AccessMode | 'unlock', io: CliIo): Promise<Store> {
  const options = { env: io.env, ...(profile === undefined ? {} : { profile }) };
  if (mode !== 'read') return createStoreFromBusConfig(file, options);
  const { config } = await loadBusConfig(file, options);
  if (config.store.type !== 'redis' || config.store.package !== undefined) return createStoreFromBusConfig(file, options);
  return createStoreFromBusConfig({ ...config, store: { ...config.store, readOnly: true } }, { env: {} });
}

/**
 * Opens the selected store for `mode`, runs `work`, and closes the store (releasing its lock) whatever happens.
 * LevelDB stores: refuses (STORE_LOCKED, exit 1) when a live or unknown process holds the store; takes over the lock
 * of a dead holder and says so on stderr (see lock-check.ts); refuses a directory that holds no store rather than
 * creating one. Redis stores: read-only commands open without the lock, beside a running service; writing ones take
 * the lock, so they are refused (STORE_LOCKED, naming the holder) while a service holds the store.
 */
export async function withStore<T>(selection: StoreSelection, mode: AccessMode, io: CliIo, work: (opened: OpenedStore) => Promise<T>): Promise<T> {
  const target = await resolveTarget(selection, io, mode);
  const opened = target.type === 'level' ? await openLevel(target.path, mode, io) : await openOther(target);
  try {
    return await work(opened);
  } finally {
    await opened.store.close();
  }
}

/** Throws unless `path` holds a LevelDB store: opening an empty or missing directory would create one. */
export function assertLevelStoreExists(path: string): void {
  if (!existsSync(join(path, 'CURRENT'))) {
    throw new ResoluteError('INVALID_ARGUMENT', `there is no store in ${path} (no LevelDB CURRENT file): check --datadir, or the store.path of the config`, {
      retryable: false,
      details: { path },
    });
  }
}

async function openLevel(path: string, mode: AccessMode, io: CliIo): Promise<OpenedStore> {
  assertLevelStoreExists(path);
  const lock = await inspectLock(path);
  const staleLock = decideOpen(path, lock, mode);
  const store = new LevelStore({ path, staleLock, logger: silentLogger });
  try {
    await store.open();
  } catch (error) {
    await store.close();
    if (isResoluteError(error, 'STORE_LOCKED')) {
      // Someone took the store between our look and our open (or holds LevelDB's LOCK without a lock file).
      const now = await inspectLock(path).catch(() => undefined);
      if (now !== undefined && (now.state === 'alive' || now.state === 'foreign')) throw lockedError(path, now, mode);
    }
    throw error;
  }
  if (lock.state === 'dead') {
    lock.takenOver = true;
    io.stderr.write(takeoverNotice(path, lock));
  }
  return { store, kind: store.kind, location: path, lock };
}

async function openOther(target: { store: Store; location: string }): Promise<OpenedStore> {
  let lock: LockReport | undefined;
  try {
    await target.store.open();
    const lockable = lockableStore(target.store);
    if (lockable !== undefined) {
      const report = await lockable.inspectLock();
      const h = report.holder;
      lock = { state: report.state, ...(h === undefined ? {} : { holder: { pid: h.pid, hostname: h.hostname, startedAt: h.startedAt, version: h.version } }), takenOver: false };
    }
  } catch (error) {
    await target.store.close().catch(() => undefined);
    throw error;
  }
  return { store: target.store, kind: target.store.kind, location: target.location, lock };
}

/** What a store with a lock of its own offers besides Store (the Redis store): who holds it, and removing it. */
export interface LockableStore {
  inspectLock(): Promise<{ state: LockReport['state']; holder?: LockInfo }>;
  removeLock(options: { force?: boolean }): Promise<{ removed: boolean; before: { state: LockReport['state']; holder?: LockInfo } }>;
}

export function lockableStore(store: Store): LockableStore | undefined {
  const candidate = store as Partial<LockableStore>;
  return typeof candidate.inspectLock === 'function' && typeof candidate.removeLock === 'function' ? (candidate as LockableStore) : undefined;
}

/**
 * The Redis store comes from @resolute/redis-bus, loaded by name at runtime like core loads every backend, so the
 * CLI works with it as soon as that package is installed beside it, and does not depend on it.
 */
async function redisStore(url: string, name: string | undefined, readOnly: boolean, io: CliIo): Promise<Store> {
  let mod;
  try {
    mod = await loadBackendModule(REDIS_PACKAGE, 'the Redis store');
  } catch (error) {
    if (isResoluteError(error, 'BACKEND_NOT_INSTALLED') && isMissingModule(error.cause)) {
      throw new ResoluteError('BACKEND_NOT_INSTALLED', `the Redis store needs ${REDIS_PACKAGE}, which is not installed: npm install ${REDIS_PACKAGE}`, {
        cause: error,
        retryable: false,
        details: { package: REDIS_PACKAGE },
      });
    }
    throw error;
  }
  if (typeof mod.createStoreFromConfig !== 'function') {
    throw new ResoluteError('BACKEND_NOT_INSTALLED', `${REDIS_PACKAGE} provides no store (no createStoreFromConfig export): upgrade it`, { retryable: false });
  }
  const storeName = name ?? (await onlyStoreName(mod, url));
  return mod.createStoreFromConfig({ type: 'redis', url, name: storeName, ...(readOnly ? { readOnly: true } : {}) }, { name: 'resolute-cli', logger: silentLogger, baseDir: io.cwd });
}

/** Without --name: the one store on that server, or a usage error listing them. */
async function onlyStoreName(mod: object, url: string): Promise<string> {
  const find = (mod as { findRedisStores?: (input: { url: string }) => Promise<string[]> }).findRedisStores;
  if (typeof find !== 'function') throw usageError('pass --name NAME with --redis: the name of the store (the bus name of the service)');
  const names = await find({ url });
  if (names.length === 1) return names[0]!;
  if (names.length === 0) {
    throw new ResoluteError('INVALID_ARGUMENT', `there is no Resolute store on ${redactUrl(url)} (under the key prefix resolute): check --redis, or pass --name`, {
      retryable: false,
    });
  }
  throw usageError(`${redactUrl(url)} holds ${names.length} stores: pass --name with one of ${names.join(', ')}`);
}

function isMissingModule(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message : '';
  return (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') && message.includes(REDIS_PACKAGE);
}

/** A URL for output, with any password replaced by ***. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  }
}
