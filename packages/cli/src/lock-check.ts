import { isResoluteError, ResoluteError } from '@resolute/core';
import { lockHolderState, readLock, type LockInfo } from '@resolute/level-store';

/**
 * What the CLI found in a LevelDB store's `resolute.lock` before opening it, and what it decided.
 *
 * - `none`: nobody holds the store. It is opened with staleLock 'refuse', so a lock that appears meanwhile is never
 *   taken over unseen.
 * - `alive` (a running process of this host), `foreign` (another host: liveness unknown), `unreadable`: every command
 *   refuses, saying who holds the store and what to do (`unlock` decides for itself, see commands/unlock.ts).
 * - `dead` (the holder crashed or was killed): the command takes the lock over, exactly what the service's own next
 *   start does with its default staleLock 'takeover', says so on stderr, and releases the lock when done. LevelDB's
 *   own LOCK, which the kernel dropped with the dead process, still guards against a holder we misjudged.
 */
export type LockState = 'none' | 'alive' | 'dead' | 'foreign' | 'unreadable';

export interface LockReport {
  state: LockState;
  holder?: LockInfo;
  /** True when this command took over a dead holder's lock (and releases it when done). */
  takenOver: boolean;
}

/** What the command will do to the store: commands that only read are refused with different advice. */
export type AccessMode = 'read' | 'write';

export async function inspectLock(path: string): Promise<LockReport> {
  try {
    const holder = await readLock(path);
    if (holder === undefined) return { state: 'none', takenOver: false };
    return { state: lockHolderState(holder), holder, takenOver: false };
  } catch (error) {
    if (isResoluteError(error, 'STORE_CORRUPT')) return { state: 'unreadable', takenOver: false };
    throw error;
  }
}

/** Throws STORE_LOCKED (with advice) when the store may not be opened for `mode`; otherwise returns the staleLock to use. */
export function decideOpen(path: string, report: LockReport, mode: AccessMode): 'takeover' | 'refuse' {
  if (report.state === 'none') return 'refuse';
  if (report.state === 'dead') return 'takeover';
  throw lockedError(path, report, mode);
}

export function lockedError(path: string, report: LockReport, mode: AccessMode | 'unlock'): ResoluteError {
  const unlock = `resolute unlock --datadir ${path}`;
  const holder = report.holder;
  const details = { path, lock: report.state, ...(holder === undefined ? {} : { holder }) };
  if (holder === undefined || report.state === 'unreadable') {
    return new ResoluteError('STORE_LOCKED', `the lock file of the store in ${path} is unreadable: if no service uses this store, run \`${unlock} --force\``, {
      retryable: false,
      details,
    });
  }
  const who = `pid ${holder.pid} on ${holder.hostname} (since ${holder.startedAt}, level-store ${holder.version})`;
  if (report.state === 'foreign') {
    return new ResoluteError(
      'STORE_LOCKED',
      `the store in ${path} is locked by ${who}, another host, whose liveness cannot be checked from here: stop it there first, ` +
        `or if you are sure it is gone run \`${unlock} --force\``,
      { retryable: false, details },
    );
  }
  const why =
    mode === 'read'
      ? 'LevelDB lets only one process open a store, so stop that service first and run this again'
      : mode === 'write'
        ? 'this command changes the store, which is only safe while no service runs: stop it first'
        : 'its lock is in use, not stale: stop that service and the lock goes with it';
  const reused = mode === 'unlock' ? `, or pass --force if pid ${holder.pid} is not that service (a reused pid)` : `; if pid ${holder.pid} is not that service (a reused pid), run \`${unlock} --force\``;
  return new ResoluteError('STORE_LOCKED', `the store in ${path} is locked by ${who}, which is alive: ${why}${reused}`, { retryable: false, details });
}

/** The stderr note for a lock taken over from a dead holder. */
export function takeoverNotice(path: string, report: LockReport): string {
  const holder = report.holder;
  const who = holder === undefined ? 'a process' : `pid ${holder.pid} (since ${holder.startedAt})`;
  return (
    `resolute: note: the store in ${path} was locked by ${who}, which is no longer running (it crashed or was killed); ` +
    'this command took the lock over and releases it when done, as the service itself would on its next start.\n'
  );
}
