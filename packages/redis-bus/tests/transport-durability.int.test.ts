import type { IncomingMessage } from '@resolute/core';
import { uniqueName } from '@resolute/core/testing';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { RedisConnection, RedisTransport, type RedisTransportInput } from '../src/index.js';
import { PrivateRedis } from './support/private-redis.js';
import { recordingLogger } from './support/store-support.js';

// The transport does not refuse a server that may lose or half-apply what it acknowledged (a deployment may accept
// losing the last second of events), but says so at start, naming the settings: connection/durability.ts.
let durable: PrivateRedis;
let everysec: PrivateRedis;
let loadsTruncated: PrivateRedis;
let both: PrivateRedis;
beforeAll(async () => {
  [durable, everysec, loadsTruncated, both] = await Promise.all([
    PrivateRedis.start({ aof: true }),
    PrivateRedis.start({ aof: true, args: ['--appendfsync', 'everysec'] }),
    PrivateRedis.start({ aof: true, args: ['--aof-load-truncated', 'yes'] }),
    PrivateRedis.start({ aof: true, args: ['--appendfsync', 'everysec', '--aof-load-truncated', 'yes'] }),
  ]);
});
afterAll(async () => {
  await Promise.all([durable?.destroy(), everysec?.destroy(), loadsTruncated?.destroy(), both?.destroy()]);
});

const open: RedisTransport[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

async function warningsAtStart(where: PrivateRedis | Partial<RedisTransportInput>): Promise<string[]> {
  const logger = recordingLogger();
  const transport = new RedisTransport({ ...(where instanceof PrivateRedis ? { url: where.url } : where), logger });
  open.push(transport);
  await transport.start({ endpoint: uniqueName('durability'), receive: async (_batch: readonly IncomingMessage[]) => {}, logger });
  return logger.records.filter((r) => r.level === 'warn').map((r) => r.msg ?? '');
}

it('starts without a warning on a server with appendonly yes, appendfsync always and aof-load-truncated no', async () => {
  expect(await warningsAtStart(durable)).toEqual([]);
});

it('warns once at start, naming the setting to change, on a server that fsyncs every second or loads a cut AOF', async () => {
  const fsync = await warningsAtStart(everysec);
  expect(fsync).toHaveLength(1);
  expect(fsync[0]).toContain(`127.0.0.1:${everysec.port} runs with appendonly yes and appendfsync everysec`);
  expect(fsync[0]).toContain('Set appendonly yes and appendfsync always');
  const truncated = await warningsAtStart(loadsTruncated);
  expect(truncated).toHaveLength(1);
  expect(truncated[0]).toContain(`127.0.0.1:${loadsTruncated.port} runs with aof-load-truncated yes`);
  expect(truncated[0]).toContain('redis-check-aof --fix');
});

it('on shards, warns once naming every server that falls short, each fix said once', async () => {
  const warnings = await warningsAtStart({ shards: [durable.url, everysec.url, loadsTruncated.url, both.url] });
  expect(warnings).toHaveLength(1);
  const [warning] = warnings as [string];
  expect(warning).toContain(`127.0.0.1:${everysec.port} runs with appendonly yes and appendfsync everysec`);
  expect(warning).toContain(`127.0.0.1:${loadsTruncated.port} runs with aof-load-truncated yes`);
  expect(warning).toContain(`127.0.0.1:${both.port} runs with appendonly yes and appendfsync everysec`);
  expect(warning).toContain(`127.0.0.1:${both.port} runs with aof-load-truncated yes`);
  expect(warning).not.toContain(`127.0.0.1:${durable.port}`);
  expect(warning.split('redis-check-aof --fix'), 'each fix once').toHaveLength(2);
  expect(warning.split('Set appendonly yes and appendfsync always'), 'each fix once').toHaveLength(2);
});

it('starts, with a warning saying what to grant, when an ACL refuses CONFIG GET', async () => {
  const admin = durable.client();
  try {
    await admin.call('ACL', 'SETUSER', 'no-config', 'on', '>pw', '~*', '&*', '+@all', '-config');
  } finally {
    admin.disconnect();
  }
  const warnings = await warningsAtStart({ url: durable.url, username: 'no-config', password: 'pw' });
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain('+config|get');
});

it('starts, with a warning, when reading the settings fails for another reason', async () => {
  const connection = await RedisConnection.open({ url: durable.url });
  try {
    // A proxy or provider that answers CONFIG with an error of its own wording.
    const client = connection.all[0]!;
    client.config = async () => {
      throw new Error('ERR this proxy does not support CONFIG');
    };
    const warnings = await warningsAtStart({ connection });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('could not read the servers\' persistence settings');
  } finally {
    await Promise.all(open.splice(0).map((t) => t.close()));
    await connection.close();
  }
});
