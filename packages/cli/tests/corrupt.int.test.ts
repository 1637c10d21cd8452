import { NAMESPACES, newId, putOp } from '@resolute/core';
import { LevelStore } from '@resolute/level-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExit } from './run-cli.js';
import { tempDir } from './scenario.js';

// A store holding records that do not decode (a torn or foreign write): the CLI lists them with the problem, never
// crashes, and a command asked to act on an id it does not know changes nothing.
let path: string;
let remove: () => Promise<void>;
const inboxId = newId();
const deadId = newId();

beforeAll(async () => {
  const temp = await tempDir('corrupt');
  ({ store: path, remove } = temp);
  const store = new LevelStore({ path });
  await store.open();
  await store.batch([
    putOp(NAMESPACES.inbox, inboxId, Buffer.from('not a record')),
    putOp(NAMESPACES.dead, deadId, Buffer.from([0, 0, 0, 200, 1, 2, 3])),
  ]);
  await store.close();
});

afterAll(async () => {
  await remove?.();
});

describe('resolute on corrupt records', () => {
  it('lists undecodable incoming and dead records with their problem instead of failing', async () => {
    for (const command of ['incoming', 'dead']) {
      const run = await expectExit([command, '--datadir', path, '--json'], 0);
      const text = run.stdout;
      expect(text).toContain(command === 'incoming' ? inboxId : deadId);
      expect(text.toLowerCase()).toMatch(/problem|cannot|corrupt|decode/);
    }
    const status = await expectExit(['status', '--datadir', path, '--json'], 0);
    expect(status.stdout).toContain('"incoming"');
  });

  it('refuses to replay an unknown id with exit 1, saying so, and changes nothing', async () => {
    // Ages move on between two listings: compare what the store holds, not the printed ages.
    const listing = async (): Promise<string> => (await expectExit(['dead', '--datadir', path, '--json'], 0)).stdout.replace(/"ageMs": \d+/g, '');
    const before = await listing();
    const run = await expectExit(['replay', newId(), '--datadir', path], 1);
    expect(`${run.stdout}${run.stderr}`).toContain("not found: no dead letter with this id");
    expect(await listing()).toBe(before);
  });
});
