// Fault tests on a PRIVATE RabbitMQ node (own name, ports and data dir; started here, stopped and deleted after):
// connections force-closed, the broker SIGKILLed and restarted, a consumer process SIGKILLed mid-handler. In each,
// every event whose publish resolved (durable in the publisher's outbox) must reach the handler; duplicates the
// broker redelivered are counted and printed (the inbox dedupe absorbs them).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBus, MemoryStore, type Bus } from '@resolute/core';
import { jsonLines, startNodeScript, uniqueName, waitFor, type Child } from '@resolute/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AmqpTransport } from '../src/index.js';
import { PrivateRabbit } from '../src/testing/index.js';

const N = 3_000;
let rabbit: PrivateRabbit;
const open = new Set<Bus>();
const children = new Set<Child>();

beforeAll(async () => {
  rabbit = await PrivateRabbit.start();
}, 90_000);
afterAll(async () => {
  await rabbit?.destroy();
}, 60_000);
afterEach(async () => {
  await Promise.all([...children].map((c) => c.kill()));
  children.clear();
  await Promise.all([...open].map((b) => b.close()));
  open.clear();
});

function transport(): AmqpTransport {
  return new AmqpTransport({ url: rabbit.url, connectTimeoutMs: 2_000, sendTimeoutMs: 1_000, reconnect: { initialDelayMs: 50, maxDelayMs: 1_000 } });
}

async function bus(name: string, t: AmqpTransport): Promise<Bus> {
  const b = await createBus({ name, transport: t, store: new MemoryStore(), outbox: { retry: { initialDelayMs: 50, maxDelayMs: 500 } }, closeTimeoutMs: 2_000 });
  open.add(b);
  return b;
}

/** Publisher and subscriber buses; `fault` runs once the subscriber has handled a third of the stream. */
async function streamThrough(label: string, fault: () => Promise<void>): Promise<void> {
  const topic = uniqueName('fault');
  const [pt, st] = [transport(), transport()];
  const pub = await bus(uniqueName('pub'), pt);
  const sub = await bus(uniqueName('sub'), st);
  const runs = new Map<number, number>();
  await sub.subscribe(topic, (e: { n: number }) => void runs.set(e.n, (runs.get(e.n) ?? 0) + 1));
  const started = Date.now();
  let published = 0;
  const publishing = (async () => {
    for (let n = 0; n < N; n++) {
      await pub.publish(topic, { n });
      published++;
      // Paced at about 1,000 events/s, so the fault lands mid-stream.
      if (n % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  await waitFor(() => runs.size >= N / 3, { timeoutMs: 30_000, message: 'a third of the stream before the fault' });
  const publishedAtFault = published;
  await fault();
  const publishedAfterFault = published;
  await publishing;
  await waitFor(() => runs.size === N, { timeoutMs: 60_000, message: () => `all ${N} events handled (have ${runs.size})` });
  await waitFor(() => pub.stats().outboxInMemory === 0, { timeoutMs: 30_000, message: 'the outbox to drain' });
  // Both sides reconnected by themselves (the stream could not have completed otherwise; this says so explicitly).
  await waitFor(() => pt.stats().connects >= 2 && st.stats().connects >= 2, { timeoutMs: 10_000, message: 'both transports to reconnect' });
  const lost = [...Array(N).keys()].filter((n) => !runs.has(n)).length;
  const reruns = [...runs.values()].reduce((sum, c) => sum + c - 1, 0);
  const report = {
    test: label,
    published,
    publishedAtFault,
    publishedAfterFault,
    lost,
    handlerReruns: reruns,
    duplicatesAbsorbed: sub.stats().duplicates,
    brokerRedelivered: st.stats().redelivered,
    publisherSendFailures: pt.stats().failed,
    connects: { publisher: pt.stats().connects, subscriber: st.stats().connects },
    seconds: (Date.now() - started) / 1000,
  };
  console.log(`[amqp fault] ${JSON.stringify(report)}`);
  expect(lost).toBe(0);
  expect(reruns).toBe(0);
  expect(publishedAtFault).toBeLessThan(N);
  expect(pt.stats().connects).toBeGreaterThanOrEqual(2);
  expect(st.stats().connects).toBeGreaterThanOrEqual(2);
}

describe('amqp-adapter faults (private RabbitMQ node)', () => {
  it('resumes publishing and consuming by itself after close_all_connections, losing nothing', async () => {
    await streamThrough('close_all_connections', () => rabbit.closeAllConnections());
  }, 120_000);

  it('loses nothing confirmed when the broker is SIGKILLed and restarted mid-stream', async () => {
    await streamThrough('broker SIGKILL + restart', async () => {
      await rabbit.kill();
      await rabbit.boot();
    });
  }, 120_000);

  it('redelivers a SIGKILLed consumer process’s unacked messages to its restarted self', async () => {
    const topic = uniqueName('kill');
    const name = uniqueName('consumer');
    const dir = await mkdtemp(join(tmpdir(), 'amqp-consumer-'));
    const script = fileURLToPath(new URL('./fixtures/consumer.mjs', import.meta.url));
    const consumer = (env: Record<string, string> = {}): Child => {
      const child = startNodeScript(script, [rabbit.url, name, topic, join(dir, 'store')], env);
      children.add(child);
      return child;
    };
    const total = 2_000;
    const done = (child: Child): Set<number> => new Set(jsonLines(child).filter((l) => 'done' in l).map((l) => l.done as number));
    try {
      // The first consumer SIGKILLs itself (core's fault point) after storing its 40th received batch and before
      // acking it, with handlers running: its last deliveries are unacked when it dies.
      const first = consumer({ RESOLUTE_FAULT: 'before-ack:40' });
      await waitFor(() => jsonLines(first).some((l) => l.ready), { timeoutMs: 20_000, message: () => `consumer ready: ${first.stderr()}` });
      const pub = await bus(uniqueName('pub'), transport());
      const publishing = (async () => {
        for (let n = 0; n < total; n++) {
          await pub.publish(topic, { n });
          if (n % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      const exit = await first.exited;
      expect(exit.signal).toBe('SIGKILL');
      const before = done(first);
      const started = new Set(jsonLines(first).filter((l) => 'start' in l).map((l) => l.start as number));
      const midHandler = [...started].filter((n) => !before.has(n)).length;
      const second = consumer();
      await publishing;
      await waitFor(() => [...Array(total).keys()].every((n) => before.has(n) || done(second).has(n)), {
        timeoutMs: 60_000,
        message: () => `every event handled by one of the two consumer processes: ${second.stderr()}`,
      });
      await waitFor(() => jsonLines(second).some((l) => l.stats), { timeoutMs: 5_000 });
      const last = jsonLines(second).filter((l) => l.stats).pop() as { stats: { redelivered: number }; bus: { duplicates: number } };
      const rerun = [...done(second)].filter((n) => before.has(n)).length;
      const report = { test: 'consumer SIGKILL mid-handler', total, lost: 0, handledBeforeKill: before.size, handlersRunningAtKill: midHandler, handledAfterRestart: done(second).size, brokerRedelivered: last.stats.redelivered, duplicatesAbsorbed: last.bus.duplicates, handlerReruns: rerun };
      console.log(`[amqp fault] ${JSON.stringify(report)}`);
      expect(midHandler).toBeGreaterThan(0);
      expect(last.stats.redelivered).toBeGreaterThan(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
