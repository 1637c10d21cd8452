import { afterEach, beforeEach, expect } from 'vitest';
import { type ErrorCode, ResoluteError } from '../errors.js';
import type { Store, StoreEntry, StoreRange } from '../store.js';

/**
 * What the Store suite needs from a backend: a way to make fresh, empty data (one per test) and to open more than one
 * instance over it.
 */
export interface StoreFactory {
  /** Makes fresh, empty data for one test (a temp directory, a private key prefix, a MemorySpace). */
  create(): Promise<StoreHandle>;
}

export interface StoreHandle {
  /**
   * A new, not yet opened Store over this handle's data. Each call returns a distinct instance, as a second process
   * (or a restart) would see the data: the suite uses it for reopen after close and for the lock.
   */
  instance(): Store;
  /** Deletes the data. Called after every instance the suite made is closed. */
  cleanup(): Promise<void>;
}

/** Capabilities a backend lacks, each stated with its reason: the suite reports the skipped tests with it. */
export interface StoreConformanceOptions {
  /** Set when two instances from one handle do not share data: the reopen and lock tests are skipped. */
  cannotReopen?: string;
  /** Set when instances over the same data do not exclude each other: the lock test is skipped. */
  noLock?: string;
  /** Concurrent batch() calls in the concurrency test. Default 500. */
  concurrentBatches?: number;
  /** Timeout of each test in ms. Default 30000. */
  timeoutMs?: number;
}

/** The per-test state the cases share. Valid inside a test only. */
export interface StoreHarness {
  readonly options: Required<Pick<StoreConformanceOptions, 'concurrentBatches' | 'timeoutMs'>> &
    StoreConformanceOptions;
  /** The test's store, already open. */
  store(): Store;
  /** Another, unopened instance over the same data (closed by the harness after the test). */
  another(): Store;
}

/** Registers beforeEach/afterEach hooks that give every test fresh data and close what it opened. */
export function useStoreHarness(factory: StoreFactory, options: StoreConformanceOptions): StoreHarness {
  let handle: StoreHandle | undefined;
  let first: Store | undefined;
  let instances: Store[] = [];
  const resolved = { concurrentBatches: 500, timeoutMs: 30_000, ...options };

  const track = (store: Store): Store => {
    instances.push(store);
    return store;
  };

  beforeEach(async () => {
    handle = await factory.create();
    first = track(handle.instance());
    await first.open();
  }, resolved.timeoutMs);

  afterEach(async () => {
    const closing = instances;
    instances = [];
    first = undefined;
    await Promise.allSettled(closing.map((store) => store.close()));
    const done = handle;
    handle = undefined;
    await done?.cleanup();
  }, resolved.timeoutMs);

  return {
    options: resolved,
    store() {
      if (first === undefined) throw new ResoluteError('INTERNAL', 'store suite: store() was called outside a test');
      return first;
    },
    another() {
      if (handle === undefined) throw new ResoluteError('INTERNAL', 'store suite: another() was called outside a test');
      return track(handle.instance());
    },
  };
}

/** Runs `action` and asserts it fails (throws or rejects) with a ResoluteError of `code`. */
export async function expectStoreError(action: () => unknown, code: ErrorCode): Promise<ResoluteError> {
  let failure: unknown;
  try {
    await action();
  } catch (error) {
    failure = error;
  }
  expect(failure, `expected a ResoluteError with code ${code}, got ${String(failure)}`).toBeInstanceOf(ResoluteError);
  expect((failure as ResoluteError).code).toBe(code);
  return failure as ResoluteError;
}

export async function collect(store: Store, namespace: string, range?: StoreRange): Promise<StoreEntry[]> {
  const entries: StoreEntry[] = [];
  for await (const entry of store.entries(namespace, range)) entries.push(entry);
  return entries;
}

export async function collectKeys(store: Store, namespace: string, range?: StoreRange): Promise<string[]> {
  return (await collect(store, namespace, range)).map((entry) => entry.key);
}

/** Every namespace with every entry, keys as they come, values as hex: for before/after comparisons. */
export async function dump(store: Store): Promise<Record<string, Array<[string, string]>>> {
  const result: Record<string, Array<[string, string]>> = {};
  for (const namespace of await store.namespaces()) {
    result[namespace] = (await collect(store, namespace)).map((entry) => [entry.key, entry.value.toString('hex')]);
  }
  return result;
}

/** True when `actual` is a Buffer holding exactly `expected`'s bytes. */
export function sameBytes(actual: Buffer | undefined, expected: Uint8Array): boolean {
  return Buffer.isBuffer(actual) && Buffer.compare(actual, expected) === 0;
}

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** A title that carries the skip reason, so reports say why a case did not run. */
export function titled(title: string, skipReason: string | undefined): string {
  return skipReason === undefined ? title : `${title} [skipped: ${skipReason}]`;
}
