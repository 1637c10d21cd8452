// An app that installs @resolute/core and @resolute/amqp-adapter gets a working RabbitMQ bus from config alone, and
// no driver of a backend it did not ask for. Runs against the machine's shared RabbitMQ in a vhost of its own.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packAndInstall, type PackedProject } from '../src/pack-and-install.js';

const EXAMPLE = await readFile(new URL('./fixtures/amqp-adapter-example.mjs', import.meta.url), 'utf8');
const rabbitmqctl = (...args: string[]) => promisify(execFile)('rabbitmqctl', args, { timeout: 60_000 });
const VHOST = `resolute-pack-${process.pid}-${randomBytes(3).toString('hex')}`;

describe('@resolute/amqp-adapter installed from tarballs into an empty project', () => {
  let project: PackedProject;

  beforeAll(async () => {
    await rabbitmqctl('add_vhost', VHOST);
    await rabbitmqctl('set_permissions', '-p', VHOST, 'guest', '.*', '.*', '.*');
    project = await packAndInstall({ packages: ['core', 'amqp-adapter'], example: EXAMPLE });
  });

  afterAll(async () => {
    await project?.close();
    await rabbitmqctl('delete_vhost', VHOST).catch(() => undefined);
  });

  it('installs amqplib and no other backend driver', async () => {
    const names = (await project.installed()).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['@resolute/core', '@resolute/amqp-adapter', 'amqplib']));
    expect(names.filter((n) => ['zeromq', 'ioredis', 'level', 'classic-level'].includes(n))).toEqual([]);
  });

  it('runs two buses through RabbitMQ, built from config: events and a request', async () => {
    const run = await project.run('example.mjs', [], { timeoutMs: 60_000, env: { AMQP_URL: `amqp://guest:guest@127.0.0.1:5672/${VHOST}` } });
    expect(run, run.stderr).toMatchObject({ code: 0 });
    expect(run.result).toEqual({ received: [...Array(10).keys()], reply: { sku: 'A', cents: 250 }, transport: 'broker' });
  });
});
