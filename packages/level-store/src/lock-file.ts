import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { type Logger, ResoluteError } from '@resolute/core';
import { mapLevelError } from './map-level-error.js';
import { PACKAGE_VERSION } from './package-version.js';

/**
 * `resolute.lock` in the store directory says which process holds the store: {pid, hostname, startedAt, version}.
 * It exists so a refused open can name the holder, and so a lock left by a crashed process can be told from a live
 * one. LevelDB's own LOCK file (an fcntl lock the kernel drops when its process dies) stays the last word on this
 * host: should two processes both believe they took over the same stale lock, only one of them opens LevelDB.
 */
export const LOCK_FILE_NAME = 'resolute.lock';

export interface LockInfo {
  pid: number;
  hostname: string;
  /** ISO 8601 time the holder took the lock. */
  startedAt: string;
  /** Version of @resolute/level-store the holder runs. */
  version: string;
}

/** 'alive': a running process of this host; 'dead': a pid of this host that no longer runs; 'foreign': another host. */
export type LockHolderState = 'alive' | 'dead' | 'foreign';

export function lockHolderState(info: LockInfo): LockHolderState {
  if (info.hostname !== hostname()) return 'foreign';
  return isProcessAlive(info.pid) ? 'alive' : 'dead';
}

/** The lock of the store in `path`, or undefined when nobody holds it. Rejects with STORE_CORRUPT when unreadable. */
export async function readLock(path: string): Promise<LockInfo | undefined> {
  const text = await readLockText(path);
  return text === undefined ? undefined : parseLock(text, path);
}

export interface RemoveLockOptions {
  /** Remove it even while the holder looks alive, or lives on another host, or the file is unreadable. */
  force?: boolean;
}

/**
 * Removes the lock of the store in `path` (for `resolute unlock`). Resolves true when a lock was removed, false when
 * there was none. Without `force` it refuses (STORE_LOCKED) while the holder runs on this host or when it is on
 * another host, where this process cannot tell.
 */
export async function removeLock(path: string, options: RemoveLockOptions = {}): Promise<boolean> {
  let info: LockInfo | undefined;
  try {
    info = await readLock(path);
  } catch (error) {
    if (!options.force) throw error;
    info = undefined;
  }
  if (info !== undefined && !options.force) {
    const state = lockHolderState(info);
    if (state !== 'dead') throw lockedError(path, info, state);
  }
  try {
    await unlink(join(path, LOCK_FILE_NAME));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw mapLevelError(error, { operation: 'remove the lock', path });
  }
}

export interface AcquireLockOptions {
  staleLock: 'takeover' | 'refuse';
  logger: Logger;
}

/** Takes the lock for this process, or rejects with STORE_LOCKED naming the holder. */
export async function acquireLock(path: string, options: AcquireLockOptions): Promise<LockInfo> {
  const mine: LockInfo = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), version: PACKAGE_VERSION };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await createExclusive(path, mine)) return mine;
    const text = await readLockText(path);
    if (text === undefined) continue; // released between our two steps: try again
    let holder: LockInfo | undefined;
    try {
      holder = parseLock(text, path);
    } catch {
      holder = undefined; // unreadable: no process can be named, so it is treated like a dead holder
    }
    const state = holder === undefined ? 'dead' : lockHolderState(holder);
    if (state !== 'dead' || options.staleLock === 'refuse') throw lockedError(path, holder, state);
    if (await replaceStale(path, text, mine)) {
      options.logger.warn(
        { path, stalePid: holder?.pid, staleStartedAt: holder?.startedAt, staleVersion: holder?.version },
        `took over the lock of ${path} left by process ${holder === undefined ? '(unreadable lock file)' : holder.pid}, which is no longer running`,
      );
      return mine;
    }
  }
  throw new ResoluteError('STORE_LOCKED', `could not take the lock of ${path}: other processes keep changing it. Retry once they settle.`, {
    details: { path },
  });
}

/** Removes the lock if it is still ours. Never throws: the lock file is advisory, LevelDB's LOCK is already gone. */
export async function releaseLock(path: string, mine: LockInfo): Promise<void> {
  try {
    const current = await readLock(path);
    if (current !== undefined && current.pid === mine.pid && current.startedAt === mine.startedAt) {
      await unlink(join(path, LOCK_FILE_NAME));
    }
  } catch {
    // Left behind, it reads as a dead holder next time: the next open takes it over or says how to remove it.
  }
}

function lockedError(path: string, holder: LockInfo | undefined, state: LockHolderState): ResoluteError {
  const unlock = `run \`resolute unlock --datadir ${path}\``;
  const details = { path, holder, state };
  if (holder === undefined) {
    return new ResoluteError('STORE_LOCKED', `${join(path, LOCK_FILE_NAME)} is unreadable: if no process uses the store, ${unlock} --force.`, { details });
  }
  const who = `process ${holder.pid} on ${holder.hostname} (since ${holder.startedAt}, level-store ${holder.version})`;
  const message =
    state === 'alive'
      ? `the store in ${path} is in use by ${who}: stop that process, or ${unlock} if you are sure it is gone.`
      : state === 'foreign'
        ? `the store in ${path} is locked by ${who}, another host, whose liveness cannot be checked from here: stop it there, or ${unlock} --force if you are sure it is gone.`
        : `the store in ${path} is locked by ${who}, which is no longer running (staleLock is 'refuse'): ${unlock}, or open with staleLock 'takeover'.`;
  return new ResoluteError('STORE_LOCKED', message, { details });
}

/**
 * Creates the lock file with its full content in one atomic step: the content goes to a private temp file, which
 * is then hard-linked to the lock name. link(2) fails with EEXIST when the name exists, so of two racing processes
 * exactly one wins, and nobody ever sees a half-written lock (as could happen with open 'wx' then write).
 */
async function createExclusive(path: string, info: LockInfo): Promise<boolean> {
  const temp = await writeTemp(path, info);
  try {
    await link(temp, join(path, LOCK_FILE_NAME));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw mapLevelError(error, { operation: 'create the lock', path });
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** Replaces a stale lock whose content is `staleText` with ours; false when it changed under us. */
async function replaceStale(path: string, staleText: string, mine: LockInfo): Promise<boolean> {
  const temp = await writeTemp(path, mine);
  try {
    if ((await readLockText(path)) !== staleText) return false;
    await rename(temp, join(path, LOCK_FILE_NAME));
  } catch (error) {
    throw mapLevelError(error, { operation: 'take over the lock', path });
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  const now = await readLock(path);
  return now !== undefined && now.pid === mine.pid && now.startedAt === mine.startedAt;
}

async function writeTemp(path: string, info: LockInfo): Promise<string> {
  const temp = join(path, `${LOCK_FILE_NAME}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const file = await open(temp, 'wx');
    try {
      await file.writeFile(`${JSON.stringify(info)}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
  } catch (error) {
    throw mapLevelError(error, { operation: 'write the lock', path });
  }
  return temp;
}

async function readLockText(path: string): Promise<string | undefined> {
  try {
    return await readFile(join(path, LOCK_FILE_NAME), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw mapLevelError(error, { operation: 'read the lock', path });
  }
}

function parseLock(text: string, path: string): LockInfo {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw corruptLock(path, error);
  }
  const info = parsed as Partial<LockInfo> | null;
  if (
    info === null ||
    typeof info !== 'object' ||
    !Number.isInteger(info.pid) ||
    (info.pid as number) <= 0 ||
    typeof info.hostname !== 'string' ||
    typeof info.startedAt !== 'string' ||
    typeof info.version !== 'string'
  ) {
    throw corruptLock(path, undefined);
  }
  return { pid: info.pid as number, hostname: info.hostname, startedAt: info.startedAt, version: info.version };
}

function corruptLock(path: string, cause: unknown): ResoluteError {
  return new ResoluteError(
    'STORE_CORRUPT',
    `${join(path, LOCK_FILE_NAME)} is not a valid lock file: if no process uses the store, run \`resolute unlock --datadir ${path} --force\`.`,
    { cause, details: { path } },
  );
}

/** Signal 0 checks existence: ESRCH means gone, EPERM means it runs under another user. */
function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
