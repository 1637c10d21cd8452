// What both processes of the redis bench agree on: the window, the handlers' concurrency, the clock, the raw message
// layout and how each side's bus is made.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createBus, MemoryStore } from '@resolute/core';
import { LevelStore } from '@resolute/level-store';

/** At most this many messages added (or published) and not yet handled. */
export const WINDOW = 1000;
/** Handlers (processors) running at once on the consuming side, in every case. */
export const CONCURRENCY = 16;
/** Handled messages between two progress reports to the producer: well below WINDOW, so the window stays full. */
export const PROGRESS_STEP = 100;

/** Milliseconds since the epoch with sub-millisecond precision, comparable across the processes of one machine. */
export const wallNow = () => performance.timeOrigin + performance.now();

/** A raw Streams message: seq (uint32 BE) at 0, the producer's wallNow() (float64 BE) at 4, padding to its size. */
export const RAW_SEQ_AT = 0;
export const RAW_TS_AT = 4;

/**
 * A bus on the redis-bus transport with its own store: 'redis' (a Redis Store on the bench's server, named after the
 * bus), 'memory', or 'level' (a LevelStore, fsync on, in a fresh temp dir returned as `dir` for the caller to remove).
 * `inbox` is merged into the bus's inbox options (the subscriber's `ack`).
 */
export async function benchBus({ name, url, store, inbox = {}, outbox = {} }) {
  // Loaded here, not at the top: the raw and BullMQ cases run without the package built.
  const { RedisStore, RedisTransport } = await import('@resolute/redis-bus');
  const dir = store === 'level' ? await mkdtemp(join(tmpdir(), 'resolute-bench-redis-')) : undefined;
  const made = store === 'redis' ? new RedisStore({ url, name }) : dir === undefined ? new MemoryStore() : new LevelStore({ path: join(dir, 'db') });
  try {
    const bus = await createBus({ name, transport: new RedisTransport({ url, ...transportTuning() }), store: made, outbox, inbox: { concurrency: CONCURRENCY, ...inbox } });
    return { bus, dir };
  } catch (error) {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** `BENCH_TRANSPORT_OPTIONS`: JSON merged into every RedisTransport's options, to try tunings (e.g. '{"readAhead":8}'). */
function transportTuning() {
  return JSON.parse(process.env.BENCH_TRANSPORT_OPTIONS ?? '{}');
}
