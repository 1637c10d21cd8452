// An app that installs @resolute/core and @resolute/level-store gets what it needs and nothing more, and works.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packAndInstall, type PackedProject } from '../src/pack-and-install.js';

const EXAMPLE = await readFile(new URL('./fixtures/level-store-example.mjs', import.meta.url), 'utf8');
/** Drivers of the backends this app did not install. */
const OTHER_DRIVERS = ['zeromq', 'ioredis', 'amqplib'];
describe('@resolute/core + @resolute/level-store installed from tarballs into an empty project', () => {
  let project: PackedProject;

  beforeAll(async () => {
    project = await packAndInstall({ packages: ['core', 'level-store'], example: EXAMPLE });
  });

  afterAll(async () => {
    if (project === undefined) return;
    await project.close();
    expect(existsSync(project.root)).toBe(false);
  });

  it('installs our packages from the tarballs, not the registry, once each', async () => {
    const { packages } = await project.lockfile();
    const ours = Object.entries(packages).filter(([path]) => path.includes('node_modules/@resolute/'));
    expect(ours.map(([path]) => path).sort()).toEqual(['node_modules/@resolute/core', 'node_modules/@resolute/level-store']);
    for (const [, entry] of ours) expect(entry.resolved).toMatch(/^file:.*\.tgz$/);
  });

  it('installs no driver of a backend it did not ask for', async () => {
    const names = (await project.installed()).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['@resolute/core', '@resolute/level-store', 'level', 'zod']));
    expect(names.filter((n) => OTHER_DRIVERS.includes(n))).toEqual([]);
  });

  it('delivers 10 events between two buses on LevelStore built by the app', async () => {
    const run = await project.run('example.mjs', ['explicit']);
    expect(run, run.stderr).toMatchObject({ code: 0 });
    expect(run.result).toEqual({
      mode: 'explicit',
      deliveries: Array(10).fill(1),
      received: [...Array(10).keys()],
      duplicates: 0,
      levelDirs: [true, true],
    });
  });

  it('delivers 10 events with the level store loaded by createBusFromConfig from the app node_modules', async () => {
    const run = await project.run('example.mjs', ['config']);
    expect(run, run.stderr).toMatchObject({ code: 0 });
    expect(run.result).toEqual({
      mode: 'config',
      deliveries: Array(10).fill(1),
      received: [...Array(10).keys()],
      duplicates: 0,
      levelDirs: [true, true],
    });
  });
});
