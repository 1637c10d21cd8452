import { ResoluteError } from '@resolute/core';
import { removeLock } from '@resolute/level-store';
import type { Command } from 'commander';
import { inspectLock, lockedError, type LockReport } from '../lock-check.js';
import { assertLevelStoreExists, resolveTarget } from '../open-store.js';
import { act, storeOptions, type CommandContext } from './common.js';

/**
 * `resolute unlock`: removes `resolute.lock` left behind by a service that died. It never opens the store.
 * Refuses (exit 1) while the holder runs on this host, lives on another host, or the file is unreadable, unless
 * --force: a forced unlock of a live service does not let anyone in (LevelDB's own LOCK stays with that process),
 * so it is only for a pid that was reused by something else.
 */
export function registerUnlock(program: Command, context: CommandContext): void {
  storeOptions(
    program
      .command('unlock')
      .description("remove a stale store lock left by a service that crashed or was killed (LevelDB stores)")
      .option('--force', 'remove it even though the holder looks alive, lives on another host, or the lock is unreadable'),
  ).action(
    act(context, async (options) => {
      const target = await resolveTarget(options, context.io);
      if (target.type !== 'level') {
        throw new ResoluteError('UNSUPPORTED', `the ${target.location} has no lock file: unlock applies to LevelDB stores (--datadir, or a config whose store.type is level)`, {
          retryable: false,
        });
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
