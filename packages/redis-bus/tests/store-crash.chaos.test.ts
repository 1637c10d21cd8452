import { seededRandom, uniqueName, waitFor } from '@resolute/core/testing';
import { afterEach, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { events, startFixture } from './support/fixtures.js';
import { PrivateRedis } from './support/private-redis.js';

const seed = Number(process.env.RESOLUTE_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const KILLS = 3;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it(`keeps every batch a writer saw resolve, whole, across SIGKILLs of redis-server (seed ${seed}; replay with RESOLUTE_CRASH_SEED=${seed})`, async () => {
  const next = seededRandom(seed);
  const server = await PrivateRedis.start({ aof: true });
  cleanups.push(() => server.destroy());
  const name = uniqueName('crash');
  const child = startFixture('store-crash-writer.mjs', [server.url, name, 'w', '1000000', String(1 + Math.floor(next() * 32))]);
  cleanups.push(() => child.kill());
  const resolved = (): string[] => child.lines.filter((line) => line.startsWith('w-'));
  await waitFor(() => events(child).find((event) => event.event === 'ready'), { timeoutMs: 15_000, message: () => `writer ready (stderr: ${child.stderr()})` });
  expect(events(child).find((event) => event.event === 'ready')?.durable, 'appendonly yes + appendfsync always is durable').toBe(true);

  for (let kill = 0; kill < KILLS; kill++) {
    // Let the writer get a random way ahead, kill the server under it, and check it resumes after the restart.
    const before = resolved().length + 20 + Math.floor(next() * 400);
    await waitFor(() => resolved().length >= before, { timeoutMs: 30_000, intervalMs: 1, message: () => `kill ${kill}: ${before} resolved batches (seed ${seed}; stderr: ${child.stderr()})` });
    await server.kill();
    const atKill = resolved().length;
    await server.restart();
    await waitFor(() => resolved().length >= atKill + 50, { timeoutMs: 30_000, message: () => `kill ${kill}: the writer resumed after the restart (seed ${seed}; stderr: ${child.stderr()})` });
  }
  await server.kill();
  await child.kill();
  await server.restart();
  const reported = resolved();
  const failed = events(child).filter((event) => event.event === 'failed');
  console.log(`store crash (seed ${seed}): ${KILLS + 1} SIGKILLs of redis-server, ${reported.length} batches resolved, ${failed.length} rejected, ${server.repairs} restarts refused an AOF cut by the kill and were repaired (redis-check-aof --fix)`);
  expect(failed.every((event) => event.code === 'CONNECTION_LOST' || event.code === 'UNREACHABLE'), JSON.stringify(failed.slice(0, 5))).toBe(true);

  // The killed writer's lock names a process of this host that no longer runs: taken over at once.
  const store = new RedisStore({ url: server.url, name });
  cleanups.push(() => store.close());
  await store.open();
  const present = new Map<string, number>();
  for (const namespace of ['inbox', 'outbox', 'dedupe']) {
    for await (const entry of store.entries(namespace)) present.set(entry.key, (present.get(entry.key) ?? 0) + 1);
  }
  const missing = reported.filter((key) => !present.has(key));
  expect(missing, `keys reported durable but missing after SIGKILL of redis-server (seed ${seed})`).toEqual([]);
  // Each batch is atomic: a key is in all three namespaces or in none, even for batches cut short by a kill.
  const partial = [...present].filter(([, count]) => count !== 3);
  expect(partial, `batches applied in part (seed ${seed})`).toEqual([]);
  expect(present.size).toBeGreaterThanOrEqual(reported.length);
  expect(reported.length).toBeGreaterThan(KILLS * 70);
}, 120_000);
