// An app that installs @resolute/core and @resolute/mdp-broker gets a broker, worker and client, and a bus over MDP
// from config alone, with zeromq and no other backend driver.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packAndInstall, type PackedProject } from '../src/pack-and-install.js';

const EXAMPLE = await readFile(new URL('./fixtures/mdp-broker-example.mjs', import.meta.url), 'utf8');

describe('@resolute/mdp-broker installed from tarballs into an empty project', () => {
  let project: PackedProject;

  beforeAll(async () => {
    project = await packAndInstall({ packages: ['core', 'mdp-broker'], example: EXAMPLE });
  });

  afterAll(async () => {
    await project?.close();
  });

  it('installs zeromq and no other backend driver', async () => {
    const names = (await project.installed()).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['@resolute/core', '@resolute/mdp-broker', 'zeromq']));
    expect(names.filter((n) => ['ioredis', 'amqplib', 'level', 'classic-level'].includes(n))).toEqual([]);
  });

  it('serves a request through its broker, and runs two buses over MDP built from config', async () => {
    const run = await project.run('example.mjs', [], { timeoutMs: 60_000 });
    expect(run, run.stderr).toMatchObject({ code: 0 });
    expect(run.result).toEqual({ final: ['HELLO'], reply: { sku: 'A', cents: 250 } });
  });
});
