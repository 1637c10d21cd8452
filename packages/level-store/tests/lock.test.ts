import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { putOp } from '@resolute/core';
import { waitFor } from '@resolute/core/testing';
import { Level } from 'level';
import { afterEach, describe, expect, it } from 'vitest';
import { LevelStore, LOCK_FILE_NAME, lockHolderState, readLock, removeLock } from '../src/index.js';
import { type Child, events, startFixture } from './child.js';
import { recordingLogger } from './recording-logger.js';
import { tempDir } from './temp-dir.js';
import { expectCode } from './expect-code.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function storeDir(): Promise<string> {
  const dir = await tempDir('lock');
  cleanups.push(dir.remove);
  return dir.path;
}

function track(store: LevelStore): LevelStore {
  cleanups.push(() => store.close());
  return store;
}

/** Starts a process that opens the store and holds it; resolves once it reported 'ready'. */
async function holder(path: string): Promise<Child> {
  const child = startFixture('hold-store.mjs', [path]);
  cleanups.push(() => child.kill());
  await waitFor(() => events(child).some((event) => event.event === 'ready'), {
    timeoutMs: 15_000,
    message: () => `holder process ready (stderr: ${child.stderr()})`,
  });
  return child;
}

async function writeForeignLock(path: string): Promise<void> {
  const seed = track(new LevelStore({ path }));
  await seed.open();
  await seed.close();
  const lock = { pid: 1, hostname: `not-${hostname()}`, startedAt: new Date().toISOString(), version: '0.1.0' };
  await writeFile(join(path, LOCK_FILE_NAME), JSON.stringify(lock));
}

describe('the store lock across processes', () => {
  it('refuses to open while another live process holds the store, naming its pid and what to do', async () => {
    const path = await storeDir();
    const child = await holder(path);
    const error = await expectCode(() => track(new LevelStore({ path })).open(), 'STORE_LOCKED');
    expect(error.message).toContain(`process ${child.pid}`);
    expect(error.message).toContain('stop that process');
    expect(error.message).toContain(`resolute unlock --datadir ${path}`);
    const lock = await readLock(path);
    expect(lock).toMatchObject({ pid: child.pid, hostname: hostname(), version: '0.1.0' });
    expect(lockHolderState(lock!)).toBe('alive');
  });

  it("takes over the lock of a killed process with staleLock 'takeover', and warns through the logger", async () => {
    const path = await storeDir();
    const child = await holder(path);
    await child.kill();
    const logger = recordingLogger();
    const store = track(new LevelStore({ path, logger }));
    await store.open();
    await store.batch([putOp('inbox', 'k', Buffer.from('v'))]);
    expect((await readLock(path))?.pid).toBe(process.pid);
    const warnings = logger.records.filter((record) => record.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.obj).toMatchObject({ stalePid: child.pid });
    await store.close();
    expect(await readLock(path)).toBeUndefined();
  });

  it("refuses the lock of a killed process with staleLock 'refuse', saying it is dead and how to unlock", async () => {
    const path = await storeDir();
    const child = await holder(path);
    await child.kill();
    const error = await expectCode(() => track(new LevelStore({ path, staleLock: 'refuse' })).open(), 'STORE_LOCKED');
    expect(error.message).toContain(`process ${child.pid}`);
    expect(error.message).toContain('no longer running');
    expect(error.message).toContain(`resolute unlock --datadir ${path}`);
    expect((await readLock(path))?.pid).toBe(child.pid);
  });

  it('lets exactly one of several racing processes open the store', async () => {
    const path = await storeDir();
    const racers = Array.from({ length: 4 }, () => startFixture('hold-store.mjs', [path]));
    for (const racer of racers) cleanups.push(() => racer.kill());
    await waitFor(() => racers.every((racer) => events(racer).length > 0), {
      timeoutMs: 20_000,
      message: () => `every racer reported (stderr: ${racers.map((racer) => racer.stderr()).join('\n')})`,
    });
    const outcomes = racers.map((racer) => events(racer)[0]);
    expect(outcomes.filter((event) => event?.event === 'ready')).toHaveLength(1);
    expect(outcomes.filter((event) => event?.event === 'error').map((event) => event?.code)).toEqual([
      'STORE_LOCKED',
      'STORE_LOCKED',
      'STORE_LOCKED',
    ]);
  });

  it("maps LevelDB's own LOCK (held without resolute.lock) to STORE_LOCKED and leaves no lock file behind", async () => {
    const path = await storeDir();
    const raw = new Level(path);
    await raw.open();
    cleanups.push(() => raw.close());
    const error = await expectCode(() => track(new LevelStore({ path })).open(), 'STORE_LOCKED');
    expect(error.message).toContain('LOCK');
    expect(await readLock(path)).toBeUndefined();
  });

  it('refuses a lock written on another host, even with takeover', async () => {
    const path = await storeDir();
    await writeForeignLock(path);
    const error = await expectCode(() => track(new LevelStore({ path })).open(), 'STORE_LOCKED');
    expect(error.message).toContain('another host');
    expect(lockHolderState((await readLock(path))!)).toBe('foreign');
  });

  it('takes over an unreadable lock file, or refuses it, as staleLock says', async () => {
    const path = await storeDir();
    const seed = track(new LevelStore({ path }));
    await seed.open();
    await seed.close();
    await writeFile(join(path, LOCK_FILE_NAME), '{"pid": 12');
    await expectCode(() => readLock(path), 'STORE_CORRUPT');
    await expectCode(() => track(new LevelStore({ path, staleLock: 'refuse' })).open(), 'STORE_LOCKED');
    const store = track(new LevelStore({ path }));
    await store.open();
    expect((await readLock(path))?.pid).toBe(process.pid);
  });
});

describe('readLock and removeLock', () => {
  it('reads nothing and removes nothing when the store is not locked', async () => {
    const path = await storeDir();
    expect(await readLock(path)).toBeUndefined();
    expect(await removeLock(path)).toBe(false);
  });

  it('refuses to remove the lock of a live process unless forced, and removes a dead one', async () => {
    const path = await storeDir();
    const child = await holder(path);
    const error = await expectCode(() => removeLock(path), 'STORE_LOCKED');
    expect(error.message).toContain(`process ${child.pid}`);
    await child.kill();
    expect(await removeLock(path)).toBe(true);
    expect(await readLock(path)).toBeUndefined();
    const store = track(new LevelStore({ path, staleLock: 'refuse' }));
    await store.open();
  });

  it('removes a foreign or unreadable lock only with force', async () => {
    const path = await storeDir();
    await writeForeignLock(path);
    await expectCode(() => removeLock(path), 'STORE_LOCKED');
    expect(await removeLock(path, { force: true })).toBe(true);
    await writeFile(join(path, LOCK_FILE_NAME), 'garbage');
    await expectCode(() => removeLock(path), 'STORE_CORRUPT');
    expect(await removeLock(path, { force: true })).toBe(true);
    expect(await readLock(path)).toBeUndefined();
  });
});
