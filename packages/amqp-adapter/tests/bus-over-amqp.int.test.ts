import { createBus, jsonCodec, MemorySpace, MemoryStore, type Bus, type BusOptions } from '@resolute/core';
import { uniqueName, waitFor } from '@resolute/core/testing';
import amqp from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AmqpTransport } from '../src/index.js';
import { privateVhost, type PrivateVhost } from '../src/testing/index.js';

let vhost: PrivateVhost;
const spaces = new Map<string, MemorySpace>();
const open = new Set<Bus>();
const FAST: Partial<BusOptions> = { outbox: { retry: { initialDelayMs: 20, maxDelayMs: 200 } }, inbox: { retry: { initialDelayMs: 5, maxDelayMs: 20 } }, closeTimeoutMs: 2_000 };

beforeAll(async () => {
  vhost = await privateVhost();
});
afterAll(async () => {
  await vhost?.remove();
});
afterEach(async () => {
  await Promise.all([...open].map((b) => b.close()));
  open.clear();
});

/** A bus on RabbitMQ; the same name again is a restart with the same store and the same broker queue. */
async function bus(name: string, extra: Partial<BusOptions> = {}): Promise<Bus> {
  let space = spaces.get(name);
  if (space === undefined) spaces.set(name, (space = new MemorySpace()));
  const b = await createBus({ name, transport: new AmqpTransport({ url: vhost.url, sendTimeoutMs: 1_000 }), store: new MemoryStore({ space }), ...FAST, ...extra });
  open.add(b);
  return b;
}

describe('Bus over amqp-adapter (RabbitMQ)', () => {
  it('publishes events to every subscribing endpoint through the topic exchange', async () => {
    const topic = uniqueName('user.signedUp');
    const web = await bus(uniqueName('web'));
    const [email, crm] = [await bus(uniqueName('email')), await bus(uniqueName('crm'))];
    const got = { email: [] as number[], crm: [] as number[] };
    await email.subscribe(topic, (n: number) => void got.email.push(n));
    await crm.subscribe(topic, (n: number) => void got.crm.push(n));
    for (let n = 0; n < 50; n++) await web.publish(topic, n);
    await waitFor(() => got.email.length === 50 && got.crm.length === 50, { timeoutMs: 10_000 });
    expect(new Set(got.email).size).toBe(50);
  });

  it('keeps a stopped subscriber’s backlog in its queue and hands it over when it is back', async () => {
    const topic = uniqueName('tick');
    const subName = uniqueName('sub');
    const pub = await bus(uniqueName('pub'));
    const sub = await bus(subName);
    const seen: number[] = [];
    await sub.subscribe(topic, (n: number) => void seen.push(n));
    await sub.close();
    open.delete(sub);
    for (let n = 0; n < 200; n++) await pub.publish(topic, n);
    await waitFor(() => pub.stats().delivered >= 200, { timeoutMs: 10_000 });
    const back = await bus(subName);
    const late: number[] = [];
    await back.subscribe(topic, (n: number) => void late.push(n));
    await waitFor(() => new Set(late).size === 200, { timeoutMs: 15_000 });
  });

  it('sends commands to an endpoint that has never started, and answers requests', async () => {
    const billingName = uniqueName('billing');
    const web = await bus(uniqueName('web'));
    // The queue does not exist yet: the sender declares it, so the command waits there.
    await web.send(billingName, 'charge', { cents: 100 });
    await waitFor(() => web.stats().delivered >= 1, { timeoutMs: 10_000 });
    const billing = await bus(billingName);
    const charged: number[] = [];
    billing.handle('charge', (p: { cents: number }) => void charged.push(p.cents));
    billing.handle('quote', (p: { sku: string }) => ({ sku: p.sku, cents: 250 }));
    await waitFor(() => charged.includes(100), { timeoutMs: 10_000 });
    await expect(web.request(billingName, 'quote', { sku: 'A' }, { timeoutMs: 10_000 })).resolves.toEqual({ sku: 'A', cents: 250 });
  });

  it('dead-letters a message whose handler always throws, after the configured attempts', async () => {
    const topic = uniqueName('poison');
    const pub = await bus(uniqueName('pub'));
    const sub = await bus(uniqueName('sub'), { inbox: { maxAttempts: 3, retry: { initialDelayMs: 5, maxDelayMs: 20 } } });
    let calls = 0;
    const dead: string[] = [];
    sub.on('dead', (e) => void dead.push(e.id));
    await sub.subscribe(topic, () => {
      calls++;
      throw new Error('always fails');
    });
    const { id } = await pub.publish(topic, { bad: true });
    await waitFor(() => dead.includes(id), { timeoutMs: 10_000 });
    expect(calls).toBe(3);
    expect(sub.stats().dead).toBe(1);
  });

  it('forwards dead letters to a dead-letter queue on the broker, carrying the error as AMQP headers', async () => {
    const topic = uniqueName('poison');
    const dlqEndpoint = uniqueName('orders.dead');
    const pub = await bus(uniqueName('pub'));
    const sub = await bus(uniqueName('sub'), { deadLetters: { forwardTo: dlqEndpoint }, inbox: { maxAttempts: 2, retry: { initialDelayMs: 5, maxDelayMs: 20 } } });
    await sub.subscribe(topic, () => {
      throw new Error('no such customer');
    });
    const { id } = await pub.publish(topic, { order: 42 });
    // Read the dead-letter queue with plain amqplib, as an operator's tool would: nobody runs a bus on it.
    const connection = await amqp.connect(vhost.url);
    try {
      const queue = `resolute.endpoint.${dlqEndpoint}`;
      const message = await waitFor(
        async () => {
          // A fresh channel per look: asking for a queue that does not exist yet closes the channel (404).
          const channel = await connection.createChannel();
          channel.on('error', () => undefined);
          try {
            return (await channel.get(queue, { noAck: true })) || undefined;
          } catch {
            return undefined;
          } finally {
            await channel.close().catch(() => undefined);
          }
        },
        { timeoutMs: 10_000, message: `a message in ${queue}` },
      );
      const headers = message.properties.headers as Record<string, string>;
      expect(headers['x-resolute-dead-id']).toBe(id);
      expect(headers['x-resolute-dead-attempts']).toBe('2');
      expect(headers['x-resolute-topic']).toBe(topic);
      expect(JSON.parse(headers['x-resolute-dead-error']!)).toMatchObject({ message: 'no such customer' });
      expect(jsonCodec.decode(message.content).payload).toEqual({ order: 42 });
    } finally {
      await connection.close();
    }
  });
});
