// Fault tests of the events transport on a PRIVATE redis-server with AOF (appendfsync always: an acknowledged write
// survives SIGKILL): Redis SIGKILLed and restarted mid-stream, and a consumer process SIGKILLed with entries read and
// stored but not acknowledged. In each, every event whose publish resolved (durable in the publisher's outbox) must
// reach a handler; what Redis handed over twice is counted and printed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBus, MemoryStore, type Bus } from '@resolute/core';
import { jsonLines, startNodeScript, uniqueName, waitFor, type Child } from '@resolute/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisTransport } from '../src/index.js';
import { PrivateRedis } from './support/private-redis.js';

const N = 2_000;
let redis: PrivateRedis;
const open = new Set<Bus>();
const children = new Set<Child>();

beforeAll(async () => {
  redis = await PrivateRedis.start({ aof: true });
});
afterAll(async () => {
  await redis?.destroy();
});
afterEach(async () => {
  await Promise.all([...children].map((c) => c.kill()));
  children.clear();
  await Promise.all([...open].map((b) => b.close()));
  open.clear();
});

function transport(): RedisTransport {
  return new RedisTransport({ url: redis.url, connectTimeoutMs: 2_000, maxReconnectDelayMs: 200, sendTimeoutMs: 2_000, leaseMs: 2_000, blockMs: 200 });
}

async function bus(name: string, t: RedisTransport, direct = false): Promise<Bus> {
  const b = await createBus({ name, transport: t, store: new MemoryStore(), outbox: { direct, retry: { initialDelayMs: 50, maxDelayMs: 500 } }, closeTimeoutMs: 2_000 });
  open.add(b);
  return b;
}

describe('redis-bus transport faults (private redis-server, AOF appendfsync always)', () => {
  // outbox.direct: each publish goes to Redis first; what it refuses while down is written to the outbox.
  it.each([false, true])('loses nothing published when Redis is SIGKILLed and restarted mid-stream; the inbox absorbs what came twice (outbox.direct: %s)', async (direct) => {
    const topic = uniqueName('fault');
    const [pt, st] = [transport(), transport()];
    const pub = await bus(uniqueName('pub'), pt, direct);
    const sub = await bus(uniqueName('sub'), st);
    const runs = new Map<number, number>();
    await sub.subscribe(topic, (e: { n: number }) => void runs.set(e.n, (runs.get(e.n) ?? 0) + 1));
    const started = Date.now();
    let published = 0;
    const publishing = (async () => {
      for (let n = 0; n < N; n++) {
        await pub.publish(topic, { n });
        published++;
        // Paced at about 1,000 events/s, so the kill lands mid-stream.
        if (n % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    await waitFor(() => runs.size >= N / 3, { timeoutMs: 30_000, message: 'a third of the stream before the kill' });
    const publishedAtKill = published;
    await redis.restart();
    const publishedAfterRestart = published;
    await publishing;
    await waitFor(() => runs.size === N, { timeoutMs: 60_000, message: () => `all ${N} events handled (have ${runs.size})` });
    await waitFor(() => pub.stats().outboxInMemory === 0, { timeoutMs: 30_000, message: 'the outbox to drain' });
    const lost = [...Array(N).keys()].filter((n) => !runs.has(n)).length;
    const reruns = [...runs.values()].reduce((sum, c) => sum + c - 1, 0);
    const report = {
      test: 'redis SIGKILL + restart',
      direct,
      published,
      publishedAtKill,
      publishedAfterRestart,
      lost,
      handlerReruns: reruns,
      transportRedelivered: st.stats().redelivered,
      duplicatesAbsorbedByInbox: sub.stats().duplicates,
      publisherSendFailures: pt.stats().failed,
      readerErrors: st.stats().readErrors,
      seconds: (Date.now() - started) / 1000,
    };
    console.log(`[redis fault] ${JSON.stringify(report)}`);
    expect(lost).toBe(0);
    expect(reruns).toBe(0);
    expect(publishedAtKill).toBeLessThan(N);
    expect(pt.stats().failed + st.stats().readErrors).toBeGreaterThan(0);
  }, 120_000);

  it('with outbox.direct, publishes while Redis is down resolve from the outbox and reach the handler once it is back', async () => {
    const topic = uniqueName('down');
    const [pt, st] = [transport(), transport()];
    const pub = await bus(uniqueName('pub'), pt, true);
    const sub = await bus(uniqueName('sub'), st);
    const got = new Set<number>();
    await sub.subscribe(topic, (e: { n: number }) => void got.add(e.n));
    await pub.publish(topic, { n: -1 });
    await waitFor(() => got.has(-1), { timeoutMs: 10_000 });
    await redis.kill();
    try {
      // Redis does not answer: the direct send fails (sendTimeoutMs), the outbox takes the events, the publishes resolve.
      await Promise.all(Array.from({ length: 50 }, (_, n) => pub.publish(topic, { n })));
      expect(pt.stats().failed).toBeGreaterThanOrEqual(50);
      expect(pub.stats().outboxInMemory).toBe(50);
    } finally {
      await redis.boot();
    }
    await waitFor(() => got.size === 51, { timeoutMs: 30_000, message: () => `all 50 events handled after Redis came back (have ${got.size - 1})` });
    await waitFor(() => pub.stats().outboxInMemory === 0, { timeoutMs: 10_000, message: 'the outbox to drain' });
  }, 60_000);

  it('hands a SIGKILLed consumer process’s unacknowledged entries to another instance of the endpoint after the lease', async () => {
    const topic = uniqueName('kill');
    const name = uniqueName('consumer');
    const dir = await mkdtemp(join(tmpdir(), 'redis-consumer-'));
    const script = fileURLToPath(new URL('./fixtures/transport-consumer.mjs', import.meta.url));
    const leaseMs = 1_500;
    const consumer = (instance: string, env: Record<string, string> = {}): Child => {
      const child = startNodeScript(script, [redis.url, name, topic, join(dir, instance), String(leaseMs)], env);
      children.add(child);
      return child;
    };
    const total = 2_000;
    const seen = (child: Child, what: 'start' | 'done'): Set<number> => new Set(jsonLines(child).filter((l) => what in l).map((l) => l[what] as number));
    try {
      // Instance A SIGKILLs itself (core's fault point) after storing its 10th received batch in its inbox and before
      // the transport acknowledges it: those entries stay pending for A's consumer in the group. B, another instance
      // of the same endpoint (own store), shares the work and, once A's lease ran out, claims them.
      const a = consumer('a', { RESOLUTE_FAULT: 'before-ack:10' });
      await waitFor(() => jsonLines(a).some((l) => l.ready), { timeoutMs: 20_000, message: () => `instance a ready: ${a.stderr()}` });
      const b = consumer('b');
      await waitFor(() => jsonLines(b).some((l) => l.ready), { timeoutMs: 20_000, message: () => `instance b ready: ${b.stderr()}` });
      const pub = await bus(uniqueName('pub'), transport());
      const publishing = (async () => {
        for (let n = 0; n < total; n++) {
          await pub.publish(topic, { n });
          if (n % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      let exit: { signal: NodeJS.Signals | null } | undefined;
      void a.exited.then((e) => (exit = e));
      await waitFor(() => exit, { timeoutMs: 30_000, message: () => `instance a to reach its fault point: ${a.stderr()}` });
      const killedAt = Date.now();
      expect(exit!.signal).toBe('SIGKILL');
      const byA = seen(a, 'done');
      const startedByA = seen(a, 'start');
      await publishing;
      const reclaimed = (): number => (jsonLines(b).filter((l) => l.stats).pop()?.stats as { reclaimed: number } | undefined)?.reclaimed ?? 0;
      await waitFor(() => reclaimed() > 0, { timeoutMs: 20_000, message: () => `b to claim what a left pending: ${b.stderr()}` });
      const claimedAfterMs = Date.now() - killedAt;
      // What A had acknowledged is in A's own inbox: A's restart (same store, a new consumer) finishes it.
      const again = consumer('a');
      const handled = (): Set<number> => new Set([...byA, ...seen(again, 'done'), ...seen(b, 'done')]);
      await waitFor(() => handled().size === total, {
        timeoutMs: 60_000,
        message: () => `every event handled by an instance (missing ${[...Array(total).keys()].filter((n) => !handled().has(n)).slice(0, 20).join(',')}): ${b.stderr()} ${again.stderr()}`,
      });
      // A's restart works through its inbox backlog: count what it runs only once that is done.
      const idle = (child: Child): boolean => {
        const stats = jsonLines(child).filter((l) => l.stats);
        return stats.length > 3 && (stats.pop()!.bus as { inboxInMemory: number }).inboxInMemory === 0;
      };
      await waitFor(() => idle(again) && idle(b), { timeoutMs: 30_000, message: 'both instances to finish their inboxes' });
      const last = jsonLines(b).filter((l) => l.stats).pop() as { stats: { reclaimed: number; redelivered: number }; bus: { duplicates: number } };
      const byB = seen(b, 'done');
      const byAgain = seen(again, 'done');
      const report = {
        test: 'consumer process SIGKILL before ack',
        total,
        lost: total - handled().size,
        leaseMs,
        claimedByBAfterMs: claimedAfterMs,
        handledByAFirst: byA.size,
        handlersRunningInAAtKill: [...startedByA].filter((n) => !byA.has(n)).length,
        handledByB: byB.size,
        handledByARestarted: byAgain.size,
        reclaimedByB: last.stats.reclaimed,
        redeliveredToB: last.stats.redelivered,
        // Two instances, two inboxes: what A stored but had not acknowledged is run by A (from its inbox) and by B.
        handledTwice: [...byB].filter((n) => byA.has(n) || byAgain.has(n)).length,
        duplicatesAbsorbedByBInbox: last.bus.duplicates,
      };
      console.log(`[redis fault] ${JSON.stringify(report)}`);
      const running = [...startedByA].filter((n) => !byA.has(n));
      expect(report.lost).toBe(0);
      expect(running.filter((n) => !byAgain.has(n) && !byB.has(n))).toEqual([]);
      expect(claimedAfterMs).toBeGreaterThanOrEqual(leaseMs / 2);
      expect(report.handledTwice).toBeLessThanOrEqual(last.stats.reclaimed);
    } finally {
      await Promise.all([...children].map((c) => c.kill()));
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
