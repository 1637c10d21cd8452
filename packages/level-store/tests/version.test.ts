import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { putOp } from '@resolute/core';
import { Level } from 'level';
import { afterEach, describe, expect, it } from 'vitest';
import { LAYOUT_VERSION, LevelStore } from '../src/index.js';
import { expectCode } from './expect-code.js';
import { tempDir } from './temp-dir.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const LAYOUT = 'meta\0layout';
const WRITER = 'meta\0layout-writer';

/** A store directory that was opened once by LevelStore and holds one key. */
async function seededDir(): Promise<string> {
  const dir = await tempDir('version');
  cleanups.push(dir.remove);
  const store = new LevelStore({ path: dir.path });
  await store.open();
  await store.batch([putOp('inbox', 'k', Buffer.from('v'))]);
  await store.close();
  return dir.path;
}

/** Changes the database behind LevelStore's back. */
async function raw(path: string, change: (db: Level<string, string>) => Promise<void>): Promise<void> {
  const db = new Level<string, string>(path);
  await db.open();
  try {
    await change(db);
  } finally {
    await db.close();
  }
}

function open(path: string): Promise<void> {
  const store = new LevelStore({ path });
  cleanups.push(() => store.close());
  return store.open();
}

describe('layout version', () => {
  it(`writes layout ${LAYOUT_VERSION} and the writer into a new store`, async () => {
    const path = await seededDir();
    await raw(path, async (db) => {
      expect(await db.get(LAYOUT)).toBe(String(LAYOUT_VERSION));
      expect(await db.get(WRITER)).toBe('@resolute/level-store@0.1.0');
    });
  });

  it('reopens a store of the current layout', async () => {
    const path = await seededDir();
    await open(path);
  });

  it('rejects a future layout with STORE_VERSION naming the release to use', async () => {
    const path = await seededDir();
    await raw(path, async (db) => {
      await db.batch([
        { type: 'put', key: LAYOUT, value: String(LAYOUT_VERSION + 1) },
        { type: 'put', key: WRITER, value: '@resolute/level-store@9.0.0' },
      ]);
    });
    const error = await expectCode(() => open(path), 'STORE_VERSION');
    expect(error.message).toContain(`layout version ${LAYOUT_VERSION + 1}`);
    expect(error.message).toContain('Upgrade to @resolute/level-store@9.0.0');
  });

  it('rejects a non-empty store without a layout version with STORE_CORRUPT', async () => {
    const path = await seededDir();
    await raw(path, (db) => db.batch([{ type: 'del', key: LAYOUT }]));
    await expectCode(() => open(path), 'STORE_CORRUPT');
  });

  it('rejects an unreadable layout version with STORE_CORRUPT', async () => {
    const path = await seededDir();
    await raw(path, (db) => db.put(LAYOUT, 'one'));
    await expectCode(() => open(path), 'STORE_CORRUPT');
  });

  it('rejects a LevelDB directory written by something else with STORE_CORRUPT', async () => {
    const dir = await tempDir('foreign');
    cleanups.push(dir.remove);
    await raw(dir.path, (db) => db.put('someone else', 'data'));
    await expectCode(() => open(dir.path), 'STORE_CORRUPT');
  });

  it('maps LevelDB corruption to STORE_CORRUPT and releases the lock', async () => {
    const path = await seededDir();
    const manifest = (await readdir(path)).find((name) => name.startsWith('MANIFEST-'));
    expect(manifest).toBeDefined();
    await writeFile(join(path, manifest as string), Buffer.alloc(200, 0xab));
    await expectCode(() => open(path), 'STORE_CORRUPT');
    expect((await readdir(path)).includes('resolute.lock')).toBe(false);
  });

  it('refuses batches that would overwrite or delete the layout keys', async () => {
    const path = await seededDir();
    const store = new LevelStore({ path });
    cleanups.push(() => store.close());
    await store.open();
    await expectCode(() => store.batch([{ type: 'del', namespace: 'meta', key: 'layout' }]), 'INVALID_ARGUMENT');
    await expectCode(() => store.batch([putOp('meta', 'layout-writer', Buffer.from('x'))]), 'INVALID_ARGUMENT');
    await store.batch([putOp('meta', 'other', Buffer.from('ok'))]);
  });
});
