// An app that installs @resolute/core, @resolute/zmq-peer and @resolute/level-store gets a working brokerless bus
// from config alone, and no driver of a backend it did not ask for.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packAndInstall, type PackedProject } from '../src/pack-and-install.js';

const EXAMPLE = await readFile(new URL('./fixtures/zmq-peer-example.mjs', import.meta.url), 'utf8');

describe('@resolute/zmq-peer installed from tarballs into an empty project', () => {
  let project: PackedProject;

  beforeAll(async () => {
    project = await packAndInstall({ packages: ['core', 'zmq-peer', 'level-store'], example: EXAMPLE });
  });

  afterAll(async () => {
    await project?.close();
  });

  it('installs zeromq and no other backend driver', async () => {
    const names = (await project.installed()).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['@resolute/core', '@resolute/zmq-peer', 'zeromq']));
    expect(names.filter((n) => ['ioredis', 'amqplib'].includes(n))).toEqual([]);
  });

  it('runs two buses over real ZeroMQ sockets, built from config', async () => {
    const run = await project.run('example.mjs', [], { timeoutMs: 60_000 });
    expect(run, run.stderr).toMatchObject({ code: 0 });
    expect(run.result).toEqual({ received: [...Array(10).keys()], transport: 'publisher' });
  });
});
