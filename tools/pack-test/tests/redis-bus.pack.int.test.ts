// An app that installs @resolute/core and @resolute/redis-bus gets a working Redis bus (transport and store) from
// config alone, the queue API, and no driver of a backend it did not ask for. Runs on the machine's shared Redis under
// a key prefix of its own, deleted afterwards.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packAndInstall, type PackedProject } from '../src/pack-and-install.js';

const EXAMPLE = await readFile(new URL('./fixtures/redis-bus-example.mjs', import.meta.url), 'utf8');
const URL_ = process.env.RESOLUTE_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `resolute-pack-${process.pid}-${randomBytes(3).toString('hex')}`;
const redisCli = async (...args: string[]): Promise<string> => (await promisify(execFile)('redis-cli', ['-u', URL_, ...args], { timeout: 60_000 })).stdout;

describe('@resolute/redis-bus installed from tarballs into an empty project', () => {
  let project: PackedProject;

  beforeAll(async () => {
    project = await packAndInstall({ packages: ['core', 'redis-bus'], example: EXAMPLE });
  });

  afterAll(async () => {
    await project?.close();
    const keys = (await redisCli('--scan', '--pattern', `${PREFIX}:*`)).split('\n').filter(Boolean);
    if (keys.length > 0) await redisCli('DEL', ...keys);
  });

  it('installs ioredis and no other backend driver', async () => {
    const names = (await project.installed()).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['@resolute/core', '@resolute/redis-bus', 'ioredis']));
    expect(names.filter((n) => ['zeromq', 'amqplib', 'level', 'classic-level'].includes(n))).toEqual([]);
  });

  it('runs two buses through Redis with Redis stores, built from config: events and a request; and a queue', async () => {
    const run = await project.run('example.mjs', [], { timeoutMs: 60_000, env: { REDIS_URL: URL_, REDIS_PREFIX: PREFIX } });
    expect(run, run.stderr).toMatchObject({ code: 0 });
    expect(run.result).toEqual({ received: [...Array(10).keys()], reply: { sku: 'A', cents: 250 }, routing: 'broker', queued: 1 });
  });
});
