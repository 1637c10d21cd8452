import { seededRandom as random, waitFor } from '@resolute/core/testing';
import { afterEach, expect, it } from 'vitest';
import { LevelStore } from '../src/index.js';
import { type Child, events, startFixture } from './child.js';
import { tempDir } from './temp-dir.js';

const seed = Number(process.env.RESOLUTE_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const ROUNDS = 3;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it(`keeps every batch a SIGKILLed writer saw resolve, whole (seed ${seed}; replay with RESOLUTE_CRASH_SEED=${seed})`, async () => {
  console.info(`crash.chaos: seed ${seed}`);
  const next = random(seed);
  const dir = await tempDir('crash');
  cleanups.push(dir.remove);
  const reported: string[] = [];

  for (let round = 0; round < ROUNDS; round++) {
    // Each round kills the writer after a random number of resolved batches; the next round's writer takes over
    // the stale lock the killed one left behind.
    const killAfter = 20 + Math.floor(next() * 400);
    const child: Child = startFixture('crash-writer.mjs', [dir.path, `r${round}`, '100000', String(1 + Math.floor(next() * 32))]);
    cleanups.push(() => child.kill());
    await waitFor(() => child.lines.filter((line) => line.startsWith(`r${round}-`)).length >= killAfter, {
      timeoutMs: 30_000,
      intervalMs: 1,
      message: () => `round ${round}: ${killAfter} resolved batches (seed ${seed}; stderr: ${child.stderr()})`,
    });
    await child.kill();
    expect(events(child).some((event) => event.event === 'done'), 'the writer was killed before finishing').toBe(false);
    reported.push(...child.lines.filter((line) => line.startsWith(`r${round}-`)));
  }

  const store = new LevelStore({ path: dir.path });
  cleanups.push(() => store.close());
  await store.open();
  const present = new Map<string, number>();
  for (const namespace of ['inbox', 'outbox', 'dedupe']) {
    for await (const entry of store.entries(namespace)) present.set(entry.key, (present.get(entry.key) ?? 0) + 1);
  }
  const missing = reported.filter((key) => !present.has(key));
  expect(missing, `keys reported durable but missing after SIGKILL (seed ${seed})`).toEqual([]);
  // Each batch is atomic: a key is in all three namespaces or in none, even for batches cut short by the kill.
  const partial = [...present].filter(([, count]) => count !== 3);
  expect(partial, `batches applied in part (seed ${seed})`).toEqual([]);
  expect(present.size).toBeGreaterThanOrEqual(reported.length);
});
