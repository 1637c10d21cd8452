import type { IncomingMessage } from '@resolute/core';
import { uniqueName } from '@resolute/core/testing';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { RedisTransport } from '../src/index.js';
import { PrivateRedis } from './support/private-redis.js';
import { recordingLogger } from './support/store-support.js';

// The transport does not refuse a server that may lose or half-apply what it acknowledged (a deployment may accept
// losing the last second of events), but says so at start, naming the settings: connection/durability.ts.
let durable: PrivateRedis;
let everysec: PrivateRedis;
let loadsTruncated: PrivateRedis;
beforeAll(async () => {
  [durable, everysec, loadsTruncated] = await Promise.all([
    PrivateRedis.start({ aof: true }),
    PrivateRedis.start({ aof: true, args: ['--appendfsync', 'everysec'] }),
    PrivateRedis.start({ aof: true, args: ['--aof-load-truncated', 'yes'] }),
  ]);
});
afterAll(async () => {
  await Promise.all([durable?.destroy(), everysec?.destroy(), loadsTruncated?.destroy()]);
});

const open: RedisTransport[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

async function warningsAtStart(server: PrivateRedis): Promise<string[]> {
  const logger = recordingLogger();
  const transport = new RedisTransport({ url: server.url, logger });
  open.push(transport);
  await transport.start({ endpoint: uniqueName('durability'), receive: async (_batch: readonly IncomingMessage[]) => {} });
  return logger.records.filter((r) => r.level === 'warn').map((r) => r.msg ?? '');
}

it('starts without a warning on a server with appendonly yes, appendfsync always and aof-load-truncated no', async () => {
  expect(await warningsAtStart(durable)).toEqual([]);
});

it('warns at start, naming the setting to change, on a server that fsyncs every second or loads a cut AOF', async () => {
  const [fsync] = await warningsAtStart(everysec);
  expect(fsync).toContain(`127.0.0.1:${everysec.port} runs with appendonly yes and appendfsync everysec`);
  expect(fsync).toContain('Set appendonly yes and appendfsync always');
  const [truncated] = await warningsAtStart(loadsTruncated);
  expect(truncated).toContain(`127.0.0.1:${loadsTruncated.port} runs with aof-load-truncated yes`);
  expect(truncated).toContain('redis-check-aof --fix');
});
