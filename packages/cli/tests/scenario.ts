import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Child, jsonLines, startNodeScript, uniqueName, waitFor } from '@resolute/core/testing';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** Runs tests/fixtures/<name> in its own node process. */
export function startFixture(name: string, args: readonly string[]): Child {
  return startNodeScript(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), args);
}

/** Runs a fixture to its end, asserts a clean exit, returns the JSON lines it printed. */
export async function runFixture(name: string, args: readonly string[]): Promise<Array<Record<string, unknown>>> {
  const child = startFixture(name, args);
  const { code, signal } = await child.exited;
  if (code !== 0) throw new Error(`fixture ${name} exited ${code ?? signal}: ${child.stderr()}`);
  return jsonLines(child);
}

/** Starts a fixture that prints {"event":"ready"} and waits for that line. */
export async function startReady(name: string, args: readonly string[]): Promise<Child> {
  const child = startFixture(name, args);
  await waitFor(() => jsonLines(child).some((e) => e.event === 'ready'), { timeoutMs: 15_000, message: () => `${name} ready (stderr: ${child.stderr()})` });
  return child;
}

/** A fresh directory under the OS temp dir; `store` is the path for a store inside it. */
export async function tempDir(prefix = 'cli'): Promise<{ dir: string; store: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `${uniqueName(prefix)}-`));
  return { dir, store: join(dir, 'store'), remove: () => rm(dir, { recursive: true, force: true }) };
}

/** What the scenario store holds, as the fixtures that wrote it reported. */
export interface Scenario {
  path: string;
  /** stuck-publisher: 3 orders.created (to offline-peer and audit-peer), 2 users.updated (to offline-peer). */
  published: Array<{ id: string; topic: string; deliveries: number }>;
  /** failing-worker dead: 3 job.run whose handler always threw (ids sorted, as the store lists them). */
  dead: string[];
  /** failing-worker retrying: 2 job.retry waiting 10 minutes for their second try, 2 job.parked without handler. */
  retrying: string[];
  parked: string[];
  /** relay-dead-letter: 1 billing.charged the relay could not send to topic destination t:billing.charged. */
  relayDead: { id: string; destination: string };
}

/**
 * Writes the store every inspection test reads, with real buses in child processes: 8 outgoing deliveries
 * (offline-peer 5, audit-peer 3), 3 subscriptions, 4 incoming (2 retrying with an error, 2 parked), 4 dead letters
 * (3 from the inbox side, 1 from the relay), 3 dedupe entries.
 */
export async function buildScenario(path: string): Promise<Scenario> {
  const published = (await runFixture('stuck-publisher.mjs', [path])).filter((e) => e.event === 'published') as Scenario['published'];
  const dead = (await runFixture('failing-worker.mjs', [path, 'dead', '3'])).filter((e) => e.event === 'dead').map((e) => e.id as string).sort();
  const later = await runFixture('failing-worker.mjs', [path, 'retrying', '2']);
  const relay = (await runFixture('relay-dead-letter.mjs', [path])).find((e) => e.event === 'dead')!;
  return {
    path,
    published,
    dead,
    retrying: later.filter((e) => e.event === 'retry').map((e) => e.id as string),
    parked: later.filter((e) => e.event === 'parked').map((e) => e.id as string),
    relayDead: { id: relay.id as string, destination: relay.destination as string },
  };
}

/** A copy of a closed store, so a test that changes it leaves the template alone. */
export async function copyScenario(scenario: Scenario, to: string): Promise<Scenario> {
  await cp(scenario.path, to, { recursive: true });
  return { ...scenario, path: to };
}

/** What a test file that changes the scenario store gets from `scenarioCopies`. */
export interface ScenarioCopies {
  /** A copy of the scenario store for the current test only, removed after it. */
  freshCopy: () => Promise<Scenario>;
  /** Runs `cleanup` after the current test (the last registered runs first, copies included). */
  afterThisTest: (cleanup: () => Promise<void>) => void;
}

/**
 * Registers the hooks of a test file whose tests change the scenario store: the store is written once (beforeAll),
 * each test works on its own copy, copies and anything passed to `afterThisTest` go after each test, the template
 * after the file. `prefix` names the temp directories.
 */
export function scenarioCopies(prefix: string): ScenarioCopies {
  let template: Scenario;
  let removeTemplate: (() => Promise<void>) | undefined;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    const temp = await tempDir(`${prefix}-template`);
    removeTemplate = temp.remove;
    template = await buildScenario(temp.store);
  }, 60_000);

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await removeTemplate?.();
  });

  const afterThisTest = (cleanup: () => Promise<void>): void => {
    cleanups.push(cleanup);
  };
  const freshCopy = async (): Promise<Scenario> => {
    const temp = await tempDir(prefix);
    afterThisTest(temp.remove);
    return copyScenario(template, temp.store);
  };
  return { freshCopy, afterThisTest };
}
