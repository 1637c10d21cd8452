// Several reliable consumers on one queue (each message with one live consumer at a time, none lost, a consumer cut
// off mid-stream has its messages reclaimed by the others), and 100 messages on each of 100 queues.
import { uniqueName, waitFor } from '@resolute/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisBus, type QueueMessage } from '../src/index.js';
import { PrivateRedis } from './support/private-redis.js';

let redis: PrivateRedis;
const buses = new Set<RedisBus>();

beforeAll(async () => {
  redis = await PrivateRedis.start({ aof: false });
});
afterEach(async () => {
  await Promise.all([...buses].map((b) => b.close()));
  buses.clear();
});
afterAll(async () => {
  await redis?.destroy();
});

async function bus(heartbeatMs = 100, livenessMs = 600): Promise<RedisBus> {
  const b = await RedisBus.connect({ url: redis.url, heartbeatMs, livenessMs });
  buses.add(b);
  return b;
}

describe('reliable consumers sharing a queue', () => {
  it('gives each message to one live consumer at a time and loses none, even when one is cut off', async () => {
    const name = uniqueName('shared');
    const total = 300;
    const consumers = await Promise.all([bus(), bus(), bus()]);
    const holder = new Map<string, number>();
    const dead = new Set<number>();
    const acked = new Set<string>();
    const deliveries = [0, 0, 0];
    const violations: string[] = [];
    let redelivered = 0;
    const queues = consumers.map((b) => b.queue(name));
    await Promise.all(queues.map((q) => q.attach()));
    queues.forEach((queue, index) => {
      queue.on('message', (_body, id, message: QueueMessage) => {
        deliveries[index]!++;
        if (message.attempt > 1) redelivered++;
        const previous = holder.get(id);
        if (previous !== undefined && previous !== index && !dead.has(previous)) violations.push(`${id} held by ${previous} and ${index}`);
        holder.set(id, index);
        if (index === 2 && deliveries[2]! >= 20) {
          // Consumer 2 is cut off with its messages unacked: no more heartbeats, its connection gone.
          if (!dead.has(2)) {
            dead.add(2);
            for (const client of consumers[2].connection.all) client.disconnect();
          }
          return;
        }
        setTimeout(() => {
          message.ack().then(
            (ok) => {
              if (ok) acked.add(id);
              if (holder.get(id) === index) holder.delete(id);
            },
            () => undefined,
          );
        }, Math.floor(Math.random() * 5));
      });
      queue.on('error', () => undefined);
      // A long lease: what reclaims consumer 2's messages is its missing heartbeat.
      queue.consume({ reliable: true, leaseMs: 30_000, prefetch: 5 });
    });
    const producer = (await bus()).queue(name);
    await Promise.all(Array.from({ length: total }, (_, i) => producer.push(`m${i}`)));
    await waitFor(() => acked.size === total, { timeoutMs: 20_000, message: () => `all acked: ${acked.size}/${total}, deliveries ${deliveries.join('/')}` });
    const duplicates = deliveries.reduce((a, b) => a + b, 0) - total;
    console.log(`3 reliable consumers, ${total} messages: deliveries ${deliveries.join('/')}, consumer 2 cut off after 20 unacked; ${redelivered} redelivered, duplicates ${duplicates}`);
    expect(violations).toEqual([]);
    expect(dead.has(2)).toBe(true);
    expect(redelivered).toBeGreaterThanOrEqual(1);
    expect(deliveries[0]! + deliveries[1]!).toBeGreaterThanOrEqual(total - 19);
    expect(await producer.count()).toBe(0);
  }, 40_000);
});

describe('many queues', () => {
  it('consumes 100 messages on each of 100 queues, each queue in order', async () => {
    const [producerBus, consumerBus] = await Promise.all([bus(1_000, 5_000), bus(1_000, 5_000)]);
    const names = Array.from({ length: 100 }, (_, i) => uniqueName(`many${i}`));
    const got = new Map<string, string[]>(names.map((n) => [n, []]));
    const consumers = names.map((name) => consumerBus.queue(name));
    await Promise.all(consumers.map((q) => q.attach()));
    consumers.forEach((queue, index) => {
      queue.on('message', (body, _id, message) => {
        got.get(names[index]!)!.push(body);
        void message.ack();
      });
      queue.consume({ reliable: true, prefetch: 20 });
    });
    const producers = names.map((name) => producerBus.queue(name));
    const started = Date.now();
    await Promise.all(producers.map((q) => Promise.all(Array.from({ length: 100 }, (_, i) => q.push(String(i))))));
    const expected = Array.from({ length: 100 }, (_, i) => String(i));
    await waitFor(() => [...got.values()].every((bodies) => bodies.length >= 100), {
      timeoutMs: 30_000,
      message: () => `all consumed: ${[...got.values()].reduce((a, b) => a + b.length, 0)}/10000`,
    });
    console.log(`100 queues x 100 messages consumed in ${Date.now() - started} ms`);
    for (const bodies of got.values()) expect(bodies).toEqual(expected);
    expect(producers.reduce((a, q) => a + q.pushed(), 0)).toBe(10_000);
    expect(consumers.reduce((a, q) => a + q.consumed(), 0)).toBe(10_000);
  }, 60_000);
});
