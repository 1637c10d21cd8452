// A silent network cut on a PRIVATE redis-server: the process is frozen (SIGSTOP), so sockets stay open and nothing
// is answered, and TCP reports nothing. An ack the reader sent into that silence must time out (stallTimeoutMs),
// leaving its batch pending, instead of holding a read-ahead slot and `close` forever; once Redis answers again,
// nothing published is lost.
import { createBus, MemoryStore, type Bus, type Logger } from '@resolute/core';
import { uniqueName, waitFor } from '@resolute/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisTransport } from '../src/index.js';
import { PrivateRedis } from './support/private-redis.js';

const STALL_MS = 1_000;
const CLOSE_MS = 500;
let redis: PrivateRedis;
const open = new Set<Bus>();

beforeAll(async () => {
  redis = await PrivateRedis.start({ aof: false });
});
afterAll(async () => {
  redis?.thaw();
  await redis?.destroy();
});
afterEach(async () => {
  redis?.thaw();
  await Promise.all([...open].map((b) => b.close()));
  open.clear();
});

/** Keeps the warnings, where the reader reports an ack that timed out. */
function recordingLogger(warnings: { code?: string; msg?: string }[]): Logger {
  const noop = (): void => undefined;
  return {
    debug: noop,
    info: noop,
    error: noop,
    warn: (obj, msg) => warnings.push({ code: (obj as { err?: { code?: string } }).err?.code, msg }),
  };
}

function transport(logger?: Logger): RedisTransport {
  return new RedisTransport({ url: redis.url, connectTimeoutMs: 2_000, maxReconnectDelayMs: 200, sendTimeoutMs: 2_000, leaseMs: 2_000, blockMs: 200, stallTimeoutMs: STALL_MS, closeTimeoutMs: CLOSE_MS, logger });
}

async function bus(name: string, t: RedisTransport, ack: 'stored' | 'handled' = 'stored'): Promise<Bus> {
  const b = await createBus({ name, transport: t, store: new MemoryStore(), inbox: { ack }, closeTimeoutMs: 2_000 });
  open.add(b);
  return b;
}

describe('redis-bus reader under a silent network cut (private redis-server, SIGSTOP)', () => {
  it('times out an ack Redis never answers, so close returns; after Redis answers again nothing is lost', { timeout: 60_000 }, async () => {
    const topic = uniqueName('stall');
    const warnings: { code?: string; msg?: string }[] = [];
    const subTransport = transport(recordingLogger(warnings));
    const pub = await bus(uniqueName('pub'), transport());
    // ack 'handled': the ack goes out when the handler returns, which the test controls.
    const sub = await bus(uniqueName('sub'), subTransport, 'handled');
    const runs = new Map<number, number>();
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await sub.subscribe(topic, async (e: { n: number }) => {
      runs.set(e.n, (runs.get(e.n) ?? 0) + 1);
      if (runs.get(e.n) === 1) {
        entered();
        await gate;
      }
    });
    await pub.publish(topic, { n: 0 });
    await inHandler;

    redis.freeze();
    release(); // the handler returns: the reader acks into the silence
    await waitFor(() => runs.get(0) === 1 && sub.stats().handled >= 1, { timeoutMs: 5_000, message: 'the handler to return' });
    // Closing waits for the batch in the bus's hands, whose ack hangs: bounded by the stall timeout, then the
    // transport's own close steps against a silent server (release of pending entries and send drain, CLOSE_MS
    // each; QUIT, 2 s; the redialled clients' connect timeouts): about 6.5 s here, where without the timeout it
    // never returns.
    const closing = Date.now();
    await subTransport.close();
    const closeMs = Date.now() - closing;
    expect(warnings.filter((w) => w.code === 'TIMEOUT').length, JSON.stringify(warnings)).toBeGreaterThanOrEqual(1);

    redis.thaw();
    // The publisher is still up; a new subscriber instance of the same endpoint gets what the first left pending.
    const again = await bus(sub.name, transport(), 'handled');
    await again.subscribe(topic, (e: { n: number }) => void runs.set(e.n, (runs.get(e.n) ?? 0) + 1));
    await pub.publish(topic, { n: 1 });
    // Event 0's ack timed out, so it stayed pending: the new instance takes it again (or, had the late ack landed
    // first, not: then only event 1 is new). Either way nothing is lost.
    await waitFor(() => runs.has(1), { timeoutMs: 20_000, message: 'the next event to be handled after the cut' });
    console.log(JSON.stringify({ test: 'silent cut during an ack', closeMs, stallTimeoutMs: STALL_MS, runs: Object.fromEntries(runs) }));
    // Without the stall timeout close never returns while Redis is silent (checked by mutating the reader).
    expect(closeMs).toBeLessThan(10_000);
    expect(runs.get(0)).toBeGreaterThanOrEqual(1);
    expect(runs.get(1)).toBeGreaterThanOrEqual(1);
  });
});
