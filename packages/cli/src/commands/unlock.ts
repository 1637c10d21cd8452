import { ResoluteError } from '@resolute/core';
import { removeLock } from '@resolute/level-store';
import type { Command } from 'commander';
import { inspectLock, lockedError, type LockReport } from '../lock-check.js';
import { assertLevelStoreExists, type LockableStore, lockableStore, resolveTarget } from '../open-store.js';
import { act, type ActionResult, storeOptions, type CommandContext } from './common.js';

/**
 * `resolute unlock`: removes `resolute.lock` left behind by a service that died. It never opens the store.
 * Refuses (exit 1) while the holder runs on this host, lives on another host, or the file is unreadable, unless
 * --force: a forced unlock of a live service does not let anyone in (LevelDB's own LOCK stays with that process),
 * so it is only for a pid that was reused by something else.
 *
 * Redis stores keep their lock in Redis (it expires by itself once its holder stops renewing it): unlock removes it
 * at once when its holder was a process of this host that no longer runs, and refuses a live, foreign or unreadable
 * holder without --force (a live holder whose lock was forced away takes it again at its next renewal).
 */
export function registerUnlock(program: Command, context: CommandContext): void {
  storeOptions(
    program
      .command('unlock')
      .description('remove a stale store lock left by a service that crashed or was killed (LevelDB and Redis stores)')
      .option('--force', 'remove it even though the holder looks alive, lives on another host, or the lock is unreadable'),
  ).action(
    act(context, async (options) => {
      const target = await resolveTarget(options, context.io, 'unlock');
      if (target.type !== 'level') {
        const lockable = lockableStore(target.store);
        if (lockable === undefined) {
          throw new ResoluteError('UNSUPPORTED', `the ${target.location} has no lock: unlock applies to LevelDB and Redis stores (--datadir, --redis, or a config whose store.type is level or redis)`, {
            retryable: false,
          });
        }
        return unlockOther(lockable, target.location, options.force === true);
      }
      const { path } = target;
      assertLevelStoreExists(path);
      const before = await inspectLock(path);
      const force = options.force === true;
      if (!force && (before.state === 'alive' || before.state === 'foreign' || before.state === 'unreadable')) throw lockedError(path, before, 'unlock');
      const removed = await removeLock(path, { force });
      const json = { path, removed, lock: { state: before.state, ...(before.holder ?? {}) }, forced: force && removed && before.state !== 'dead' };
      return { json, human: () => unlockText(path, removed, before) };
    }),
  );
}

function unlockText(path: string, removed: boolean, before: LockReport): string {
  if (!removed) return `the store in ${path} was not locked: nothing to do\n`;
  const holder = before.holder === undefined ? 'an unreadable lock file' : `the lock of pid ${before.holder.pid} on ${before.holder.hostname} (since ${before.holder.startedAt})`;
  const note =
    before.state === 'alive'
      ? `\nwarning: pid ${before.holder?.pid} is still running. If it is the service, LevelDB's own LOCK still keeps everyone else out until it stops.`
      : before.state === 'foreign'
        ? '\nwarning: the holder was on another host; make sure it no longer uses this store.'
        : '';
  return `removed ${holder}${before.state === 'dead' ? ', which was no longer running' : ''}${note}\n`;
}

/** A store whose lock lives with the store (Redis). It was never opened: nothing to close. */
async function unlockOther(store: LockableStore, location: string, force: boolean): Promise<ActionResult> {
  const { removed, before } = await store.removeLock({ force });
  const h = before.holder;
  const holder = h === undefined ? {} : { pid: h.pid, hostname: h.hostname, startedAt: h.startedAt, version: h.version };
  const json = { location, removed, lock: { state: before.state, ...holder }, forced: force && removed && before.state !== 'dead' };
  const human = (): string => {
    if (!removed) return `${location} was not locked: nothing to do\n`;
    const which = h === undefined ? 'an unreadable lock' : `the lock of pid ${h.pid} on ${h.hostname} (since ${h.startedAt})`;
    const note =
      before.state === 'alive'
        ? `\nwarning: pid ${h?.pid} is still running; it takes its lock again at its next renewal unless another process opened the store meanwhile.`
        : before.state === 'foreign'
          ? '\nwarning: the holder was on another host; make sure it no longer uses this store.'
          : '';
    return `removed ${which} from ${location}${before.state === 'dead' ? ', which was no longer running' : ''}${note}\n`;
  };
  return { json, human };
}
