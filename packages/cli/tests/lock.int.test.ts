import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Child } from '@resolute/core/testing';
import { LOCK_FILE_NAME, readLock } from '@resolute/level-store';
import { afterEach, describe, expect, it } from 'vitest';
import type { ErrorDoc, StatusDoc, UnlockDoc } from './json-docs.js';
import { expectExit } from './run-cli.js';
import { runFixture, startReady, tempDir } from './scenario.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A small store (a publisher with stuck deliveries), closed. */
async function smallStore(): Promise<string> {
  const temp = await tempDir('lock');
  cleanups.push(temp.remove);
  await runFixture('stuck-publisher.mjs', [temp.store]);
  return temp.store;
}

/** A process that opens the store and holds it, like a running service. */
async function holder(path: string): Promise<Child> {
  const child = await startReady('hold-store.mjs', [path]);
  cleanups.push(() => child.kill());
  return child;
}

describe('a store left locked by a killed process', () => {
  it('unlock removes the lock, naming the dead holder; a second unlock has nothing to do', async () => {
    const path = await smallStore();
    const child = await holder(path);
    await child.kill();
    expect((await readLock(path))?.pid).toBe(child.pid);

    const run = await expectExit(['unlock', '--datadir', path], 0);
    expect(run.stdout).toContain(`removed the lock of pid ${child.pid}`);
    expect(run.stdout).toContain('no longer running');
    expect(await readLock(path)).toBeUndefined();
    const again = (await expectExit(['unlock', '--datadir', path, '--json'], 0)).json<UnlockDoc>();
    expect(again).toMatchObject({ removed: false, lock: { state: 'none' } });
  });

  it('read-only commands take the stale lock over, say so on stderr, and release it', async () => {
    const path = await smallStore();
    const child = await holder(path);
    await child.kill();
    const run = await expectExit(['status', '--datadir', path, '--json'], 0);
    expect(run.stderr).toContain(`locked by pid ${child.pid}`);
    expect(run.stderr).toContain('no longer running');
    expect(run.json<StatusDoc>().lock).toMatchObject({ state: 'dead', pid: child.pid, takenOver: true });
    expect(run.json<StatusDoc>().namespaces.outgoing.count).toBe(8);
    expect(await readLock(path)).toBeUndefined();
  });
});

describe('a store locked by a live process', () => {
  it('read-only commands fail (exit 1) naming the live pid and what to do', async () => {
    const path = await smallStore();
    const child = await holder(path);
    for (const command of ['status', 'outgoing', 'incoming', 'dead', 'keys', 'subscribers']) {
      const run = await expectExit([command, '--datadir', path], 1);
      expect(run.stderr).toContain(`locked by pid ${child.pid}`);
      expect(run.stderr).toContain('which is alive: ');
      expect(run.stderr).toContain('stop that service first');
      expect(run.stdout).toBe('');
    }
    const json = await expectExit(['status', '--datadir', path, '--json'], 1);
    expect(json.json<ErrorDoc>().error).toMatchObject({ code: 'STORE_LOCKED', details: { lock: 'alive', holder: { pid: child.pid } } });
    expect((await readLock(path))?.pid).toBe(child.pid);
  });

  it('mutating commands refuse (exit 1) and change nothing', async () => {
    const path = await smallStore();
    const child = await holder(path);
    for (const args of [['replay', '--all'], ['purge', 'outgoing', '--yes'], ['replay', '01ARZ3NDEKTSV4RRFFQ69G5FAV']]) {
      const run = await expectExit([...args, '--datadir', path], 1);
      expect(run.stderr).toContain(`locked by pid ${child.pid} on `);
      expect(run.stderr).toContain('this command changes the store');
    }
    expect((await readLock(path))?.pid).toBe(child.pid);
    await child.kill();
    expect((await expectExit(['status', '--datadir', path, '--json'], 0)).json<StatusDoc>().namespaces.outgoing.count).toBe(8);
  });

  it('unlock refuses unless --force; forcing removes only the lock file, LevelDB still keeps others out', async () => {
    const path = await smallStore();
    const child = await holder(path);
    const refused = await expectExit(['unlock', '--datadir', path], 1);
    expect(refused.stderr).toContain(`locked by pid ${child.pid}`);
    expect(refused.stderr).toContain('--force');
    expect((await readLock(path))?.pid).toBe(child.pid);

    const forced = await expectExit(['unlock', '--force', '--datadir', path, '--json'], 0);
    expect(forced.json<UnlockDoc>()).toMatchObject({ removed: true, forced: true, lock: { state: 'alive', pid: child.pid } });
    expect(existsSync(join(path, LOCK_FILE_NAME))).toBe(false);
    const blocked = await expectExit(['status', '--datadir', path], 1);
    expect(blocked.stderr).toContain('STORE_LOCKED');
    // Our failed open must not leave a lock of its own behind.
    expect(existsSync(join(path, LOCK_FILE_NAME))).toBe(false);
  });
});
