// Fault tests on a PRIVATE redis-server with AOF (appendfsync always), started here and deleted after:
// (1) the server is SIGKILLed and restarted mid-stream of pushes: every push that resolved is consumed afterwards;
// (2) a reliable consumer process is SIGKILLed mid-processing: its unacked messages go to another consumer after
// their lease. Duplicates (at-least-once) are counted and printed, never hidden.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { jsonLines, startNodeScript, uniqueName, waitFor, type Child } from '@resolute/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisBus } from '../src/index.js';
import { PrivateRedis } from './support/private-redis.js';

let redis: PrivateRedis;
const buses = new Set<RedisBus>();
const children = new Set<Child>();

beforeAll(async () => {
  redis = await PrivateRedis.start({ aof: true });
});
afterEach(async () => {
  await Promise.all([...children].map((c) => c.kill()));
  children.clear();
  await Promise.all([...buses].map((b) => b.close()));
  buses.clear();
});
afterAll(async () => {
  await redis?.destroy();
});

async function bus(): Promise<RedisBus> {
  const b = await RedisBus.connect({ url: redis.url, heartbeatMs: 200, livenessMs: 2_000, maxReconnectDelayMs: 300 });
  buses.add(b);
  return b;
}

describe('queue faults', () => {
  it('loses no resolved push when redis-server is SIGKILLed and restarted mid-stream', async () => {
    const name = uniqueName('restart');
    const total = 2_000;
    const producerBus = await bus();
    const busEvents: string[] = [];
    producerBus.on('offline', () => busEvents.push('offline'));
    producerBus.on('online', () => busEvents.push('online'));
    const producer = producerBus.queue(name);
    const consumer = (await bus()).queue(name);
    for (const q of [producer, consumer]) q.on('error', () => undefined);
    await Promise.all([producer.attach(), consumer.attach()]);
    const deliveries = new Map<string, number>();
    const byId = new Map<string, number>();
    consumer.on('message', (body, id, message) => {
      deliveries.set(body, (deliveries.get(body) ?? 0) + 1);
      byId.set(id, (byId.get(id) ?? 0) + 1);
      message.ack().catch(() => undefined);
    });
    consumer.consume({ reliable: true, leaseMs: 2_000, prefetch: 20 });

    const resolved = new Set<string>();
    let failedPushes = 0;
    // The caller's retry: a push that rejected (CONNECTION_LOST: maybe applied) is pushed again.
    const pushUntilResolved = async (body: string): Promise<void> => {
      for (;;) {
        try {
          await producer.push(body);
          resolved.add(body);
          return;
        } catch {
          failedPushes++;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    };
    const producing = (async () => {
      // Windows of 10 concurrent pushes (one batch in flight while the next gathers), paced, so the kill is likely
      // to land with pushes on the wire.
      for (let n = 0; n < total; n += 10) {
        await Promise.all(Array.from({ length: 10 }, (_, i) => pushUntilResolved(String(n + i))));
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    await waitFor(() => deliveries.size >= total / 3, { timeoutMs: 20_000 });
    const killedAt = resolved.size;
    const started = Date.now();
    await redis.kill();
    await redis.boot();
    const restartedMs = Date.now() - started;
    await waitFor(() => resolved.size > killedAt + 10, { timeoutMs: 20_000 });
    const resumedMs = Date.now() - started;
    await producing;
    await waitFor(() => [...resolved].every((n) => deliveries.has(n)), {
      timeoutMs: 30_000,
      message: () => `every resolved push consumed: ${[...resolved].filter((n) => !deliveries.has(n)).length} missing`,
    });
    const duplicates = [...deliveries.values()].reduce((a, b) => a + b, 0) - deliveries.size;
    // Redelivered: the same message (id) twice: a take or an ack whose reply was lost. Pushed twice: a retried push
    // that had been applied after all (a new id, the same body).
    const redelivered = [...byId.values()].reduce((a, b) => a + b, 0) - byId.size;
    console.log(
      `redis SIGKILL + restart (${restartedMs} ms) after ${killedAt} resolved pushes, pushing again ${resumedMs} ms after the kill: ` +
        `${resolved.size}/${total} resolved, all consumed; ${failedPushes} pushes rejected and retried; ` +
        `duplicates ${duplicates} (${redelivered} redelivered, ${duplicates - redelivered} pushed twice)`,
    );
    expect(resolved.size).toBe(total);
    expect(busEvents).toEqual(['offline', 'online']);
    await waitFor(async () => (await producer.count()) === 0, { timeoutMs: 10_000 });
  }, 90_000);

  it('redelivers a SIGKILLed consumer process’s unacked messages to another consumer after the lease', async () => {
    const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    if (!existsSync(dist)) throw new Error('the consumer fixture imports the built package: run `npm run build` in packages/redis-bus first');
    const name = uniqueName('killed');
    const total = 300;
    const leaseMs = 1_500;
    const script = fileURLToPath(new URL('./fixtures/queue-consumer.mjs', import.meta.url));
    // A long liveness, so what frees the dead process's messages is their lease.
    const child = startNodeScript(script, [redis.url, name, String(leaseMs), '20000']);
    children.add(child);
    await waitFor(() => jsonLines(child).some((l) => l.ready), { timeoutMs: 20_000, message: () => `consumer process ready: ${child.stderr()}` });
    const producer = (await bus()).queue(name);
    await producer.attach();
    await Promise.all(Array.from({ length: total }, (_, i) => producer.push(String(i))));
    await waitFor(() => jsonLines(child).filter((l) => 'done' in l).length >= 50, { timeoutMs: 20_000 });
    await child.kill();
    const killedAt = Date.now();
    const lines = jsonLines(child);
    const childDone = new Set(lines.filter((l) => l.acked === true).map((l) => String(l.done)));
    const started = new Set(lines.filter((l) => 'start' in l).map((l) => String(l.start)));
    const midProcessing = [...started].filter((n) => !childDone.has(n));

    const survivor = (await bus()).queue(name);
    await survivor.attach();
    const got = new Map<string, number>();
    let firstRedeliveryMs: number | undefined;
    survivor.on('message', (body, _id, message) => {
      got.set(body, message.attempt);
      if (message.attempt > 1) firstRedeliveryMs ??= Date.now() - killedAt;
      message.ack().catch(() => undefined);
    });
    survivor.consume({ reliable: true });
    await waitFor(() => Array.from({ length: total }, (_, i) => String(i)).every((n) => childDone.has(n) || got.has(n)), {
      timeoutMs: 20_000,
      message: () => `every message handled by one of the consumers: ${got.size} + ${childDone.size} of ${total}`,
    });
    const duplicates = [...got.keys()].filter((n) => childDone.has(n)).length;
    console.log(
      `consumer process SIGKILLed after ${childDone.size} acked, ${midProcessing.length} mid-processing (unacked): ` +
        `all redelivered (first after ${firstRedeliveryMs} ms, lease ${leaseMs} ms); duplicates ${duplicates}`,
    );
    expect(midProcessing.length).toBeGreaterThan(0);
    for (const n of midProcessing) expect(got.get(n)).toBeGreaterThanOrEqual(2);
    expect(firstRedeliveryMs).toBeGreaterThanOrEqual(leaseMs - 500);
    expect(duplicates).toBe(0);
  }, 90_000);
});
