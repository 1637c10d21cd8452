// A RedisStore batch is one script, which the AOF records as one MULTI/EXEC block. A kill while redis-server writes
// that block leaves it cut short. With aof-load-truncated yes (Redis's default) Redis 7.0 loads the file up to the cut
// and leaves the open MULTI in it, so the next restart applies the cut batch in part (durability.ts). Here the cut is
// made by hand, at a known place inside a batch, on a server run as we tell users to (aof-load-truncated no, and
// redis-check-aof --fix when it refuses to start): the cut batch is gone whole, and stays gone across restarts.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { putOp } from '@resolute/core';
import { uniqueName, waitFor } from '@resolute/core/testing';
import { afterEach, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { events, startFixture } from './support/fixtures.js';
import { PrivateRedis } from './support/private-redis.js';

const NAMESPACES = ['inbox', 'outbox', 'dedupe'];

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The newest incremental file of the server's multi-part AOF (Redis 7). */
function incrementalAof(server: PrivateRedis): string {
  const dir = join(server.dir, 'appendonlydir');
  const files = readdirSync(dir).filter((f) => f.endsWith('.incr.aof'));
  const newest = files.sort((a, b) => Number(/\.(\d+)\.incr\.aof$/.exec(a)![1]) - Number(/\.(\d+)\.incr\.aof$/.exec(b)![1])).at(-1);
  if (newest === undefined) throw new Error(`no incremental AOF in ${dir}`);
  return join(dir, newest);
}

/**
 * Cuts the AOF a few bytes into the last command naming `key` in the MULTI block that writes it, so the commands before
 * it in that block (the batch's other namespaces) are whole in the file and the block has no EXEC.
 */
function cutInside(server: PrivateRedis, key: string): void {
  const file = incrementalAof(server);
  const bytes = readFileSync(file);
  const first = bytes.indexOf(key);
  expect(first, `${key} is in ${file}`).toBeGreaterThan(0);
  const multi = bytes.lastIndexOf('MULTI', first);
  const exec = bytes.indexOf('EXEC', first);
  expect(multi > 0 && bytes.lastIndexOf('EXEC', first) < multi && exec > first, `${key} is written inside one MULTI block`).toBe(true);
  const last = bytes.lastIndexOf(key, exec);
  expect(last, 'the batch writes the key in more than one command').toBeGreaterThan(first);
  writeFileSync(file, bytes.subarray(0, last + 3));
}

async function namespacesHolding(store: RedisStore, key: string): Promise<string[]> {
  const holding: string[] = [];
  for (const namespace of NAMESPACES) if ((await store.get(namespace, key)) !== undefined) holding.push(namespace);
  return holding;
}

it('drops a batch the AOF holds in part, whole, and keeps it dropped and every later batch across restarts', async () => {
  const server = await PrivateRedis.start({ aof: true });
  cleanups.push(() => server.destroy());
  const name = uniqueName('aof-cut');
  // Two batches from another process (each puts its key into three namespaces), which then exits.
  const writer = startFixture('store-crash-writer.mjs', [server.url, name, 'w', '2', '1']);
  cleanups.push(() => writer.kill());
  await waitFor(() => events(writer).find((event) => event.event === 'done'), { timeoutMs: 15_000, message: () => `writer done (stderr: ${writer.stderr()})` });
  await server.kill();
  cutInside(server, 'w-000001');

  await server.boot();
  expect(server.repairs, 'the server refused the cut AOF and redis-check-aof --fix repaired it').toBe(1);
  const store = new RedisStore({ url: server.url, name });
  cleanups.push(() => store.close());
  await store.open();
  expect(store.durable).toBe(true);
  expect(await namespacesHolding(store, 'w-000000')).toEqual(NAMESPACES);
  expect(await namespacesHolding(store, 'w-000001')).toEqual([]);

  // Writes after the repair are batches of their own: a restart keeps them whole and does not revive the cut one.
  await store.batch(NAMESPACES.map((namespace) => putOp(namespace, 'after-1', Buffer.from('a'))));
  await server.restart();
  await store.batch(NAMESPACES.map((namespace) => putOp(namespace, 'after-2', Buffer.from('b'))));
  await server.restart();
  expect(server.repairs).toBe(1);
  expect(await namespacesHolding(store, 'w-000001')).toEqual([]);
  expect(await namespacesHolding(store, 'after-1')).toEqual(NAMESPACES);
  expect(await namespacesHolding(store, 'after-2')).toEqual(NAMESPACES);
}, 60_000);
