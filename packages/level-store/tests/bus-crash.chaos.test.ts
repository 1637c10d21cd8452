import { NAMESPACES } from '@resolute/core';
import { seededRandom, waitFor } from '@resolute/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { LevelStore } from '../src/index.js';
import { type Child, startFixture } from './child.js';
import { tempDir } from './temp-dir.js';

/*
 * The bus's promise across a power cut: a `publish` that resolved is in the outbox, and a message the receiver
 * acknowledged is in its inbox (or already handled, in dedupe). A child process works at full speed on a LevelStore
 * and is SIGKILLed at a random point (seeded: RESOLUTE_CRASH_SEED replays a run); the test reopens the store.
 */
const seed = Number(process.env.RESOLUTE_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const next = seededRandom(seed);
const ROUNDS = 3;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function killAfterLines(fixture: string, path: string, label: string): Promise<string[]> {
  const target = 50 + Math.floor(next() * 1500);
  const child: Child = startFixture(fixture, [path, label]);
  cleanups.push(() => child.kill());
  await waitFor(() => child.lines.length >= target, {
    timeoutMs: 60_000,
    intervalMs: 1,
    message: () => `${fixture} to report ${target} ids (seed ${seed}); stderr: ${child.stderr()}`,
  });
  await child.kill();
  return child.lines.filter((l) => l.startsWith(`${label} `)).map((l) => l.slice(label.length + 1));
}

async function keys(path: string, namespaces: string[]): Promise<Set<string>> {
  const store = new LevelStore({ path });
  await store.open();
  const found = new Set<string>();
  try {
    for (const namespace of namespaces) for await (const entry of store.entries(namespace)) found.add(entry.key.slice(entry.key.lastIndexOf('\u0000') + 1));
  } finally {
    await store.close();
  }
  return found;
}

describe(`Bus on LevelStore under SIGKILL (seed ${seed}; replay with RESOLUTE_CRASH_SEED=${seed})`, () => {
  it('keeps every publish that resolved in the outbox', async () => {
    const dir = await tempDir('bus-crash-out');
    cleanups.push(dir.remove);
    const reported: string[] = [];
    for (let round = 0; round < ROUNDS; round++) reported.push(...(await killAfterLines('bus-publisher.mjs', dir.path, `r${round}`)));
    const outbox = await keys(dir.path, [NAMESPACES.outbox]);
    expect(reported.length).toBeGreaterThan(0);
    expect(reported.filter((id) => !outbox.has(id)), `resolved publishes missing after SIGKILL (seed ${seed})`).toEqual([]);
  }, 180_000);

  it('keeps every message the receiver acknowledged, in the inbox or as handled', async () => {
    const dir = await tempDir('bus-crash-in');
    cleanups.push(dir.remove);
    const reported: string[] = [];
    for (let round = 0; round < ROUNDS; round++) reported.push(...(await killAfterLines('bus-receiver.mjs', dir.path, `r${round}`)));
    const kept = await keys(dir.path, [NAMESPACES.inbox, NAMESPACES.dedupe]);
    expect(reported.length).toBeGreaterThan(0);
    expect(reported.filter((id) => !kept.has(id)), `acknowledged messages missing after SIGKILL (seed ${seed})`).toEqual([]);
  }, 180_000);
});
