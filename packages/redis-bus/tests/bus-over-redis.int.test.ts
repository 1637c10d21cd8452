import { createBus, createBusFromConfig, MemorySpace, MemoryStore, type Bus, type BusOptions } from '@resolute/core';
import { uniqueName, waitFor } from '@resolute/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisTransport, type RedisTransportInput } from '../src/index.js';
import { PrivateRedis } from './support/private-redis.js';

let redis: PrivateRedis;
const spaces = new Map<string, MemorySpace>();
const open = new Set<Bus>();
const FAST: Partial<BusOptions> = { outbox: { retry: { initialDelayMs: 20, maxDelayMs: 200 } }, inbox: { retry: { initialDelayMs: 5, maxDelayMs: 20 } }, closeTimeoutMs: 2_000 };

beforeAll(async () => {
  redis = await PrivateRedis.start({ aof: false });
});
afterAll(async () => {
  await redis?.destroy();
});
afterEach(async () => {
  await Promise.all([...open].map((b) => b.close()));
  open.clear();
});

/**
 * A bus on Redis. The same name again is a restart of that instance (same store); `instance` names a second
 * instance of the endpoint with a store of its own.
 */
async function bus(name: string, extra: Partial<BusOptions> = {}, instance = '', transportOptions: Partial<RedisTransportInput> = {}): Promise<Bus> {
  let space = spaces.get(name + instance);
  if (space === undefined) spaces.set(name + instance, (space = new MemorySpace()));
  const transport = new RedisTransport({ url: redis.url, sendTimeoutMs: 1_000, leaseMs: 2_000, blockMs: 200, ...transportOptions });
  const b = await createBus({ name, transport, store: new MemoryStore({ space }), ...FAST, ...extra });
  open.add(b);
  return b;
}

/** A MemoryStore whose batches touching the inbox (writes and completions) take 10 ms: a busy instance. */
class SlowStore extends MemoryStore {
  override async batch(...args: Parameters<MemoryStore['batch']>): Promise<void> {
    if (args[0].some((op) => op.namespace === 'inbox')) await new Promise((resolve) => setTimeout(resolve, 10));
    return super.batch(...args);
  }
}

describe('Bus over redis-bus (Redis Streams)', () => {
  it('publishes events to every subscribing endpoint', async () => {
    const topic = uniqueName('user.signedUp');
    const web = await bus(uniqueName('web'));
    const [email, crm] = [await bus(uniqueName('email')), await bus(uniqueName('crm'))];
    const got = { email: [] as number[], crm: [] as number[] };
    await email.subscribe(topic, (n: number) => void got.email.push(n));
    await crm.subscribe(topic, (n: number) => void got.crm.push(n));
    for (let n = 0; n < 50; n++) await web.publish(topic, n);
    await waitFor(() => got.email.length === 50 && got.crm.length === 50, { timeoutMs: 10_000 });
    expect(got.email).toEqual([...Array(50).keys()]);
    expect(got.crm).toEqual([...Array(50).keys()]);
  });

  it('keeps a stopped subscriber’s backlog in its group and hands it over when it is back', async () => {
    const topic = uniqueName('tick');
    const subName = uniqueName('sub');
    const pub = await bus(uniqueName('pub'));
    const sub = await bus(subName);
    await sub.subscribe(topic, () => undefined);
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
    // The stream is created by the send: the command waits there until billing's group reads it from the start.
    await web.send(billingName, 'charge', { cents: 100 });
    await waitFor(() => web.stats().delivered >= 1, { timeoutMs: 10_000 });
    const billing = await bus(billingName);
    const charged: number[] = [];
    billing.handle('charge', (p: { cents: number }) => void charged.push(p.cents));
    billing.handle('quote', (p: { sku: string }) => ({ sku: p.sku, cents: 250 }));
    await waitFor(() => charged.includes(100), { timeoutMs: 10_000 });
    await expect(web.request(billingName, 'quote', { sku: 'A' }, { timeoutMs: 10_000 })).resolves.toEqual({ sku: 'A', cents: 250 });
  });

  it('shares the work between two instances of one endpoint, each event handled once', async () => {
    const topic = uniqueName('work');
    const name = uniqueName('worker');
    const pub = await bus(uniqueName('pub'));
    const handledBy = new Map<number, string[]>();
    const handler = (instance: string) => async (n: number) => {
      handledBy.set(n, [...(handledBy.get(n) ?? []), instance]);
      await new Promise((resolve) => setTimeout(resolve, 2)); // a little work, so both instances get some
    };
    // A blocked reader Redis serves takes up to maxBatch entries, so with 256 one instance may rightly take all 400
    // (seen here about one run in five). Small batches and a busy instance one (a slow inbox: at most readAhead
    // batches in its bus's hands) leave entries for instance two, so sharing is what the test sees, not timing.
    const one = await bus(name, { store: new SlowStore({ space: new MemorySpace() }) }, '#1', { maxBatch: 16 });
    const two = await bus(name, {}, '#2', { maxBatch: 16 });
    await one.subscribe(topic, handler('one'));
    await two.subscribe(topic, handler('two'));
    const commands: string[] = [];
    one.handle('job', () => void commands.push('one'));
    two.handle('job', () => void commands.push('two'));
    for (let n = 0; n < 400; n++) await pub.publish(topic, n);
    for (let n = 0; n < 100; n++) await pub.send(name, 'job', { n });
    await waitFor(() => handledBy.size === 400 && commands.length === 100, { timeoutMs: 20_000 });
    const byOne = [...handledBy.values()].filter((who) => who.includes('one')).length;
    console.log(`[bus over redis] 400 events over two instances: ${byOne} by one, ${400 - byOne} by two; commands ${commands.filter((c) => c === 'one').length}/${commands.filter((c) => c === 'two').length}`);
    expect([...handledBy.values()].every((who) => who.length === 1)).toBe(true);
    expect(byOne).toBeGreaterThan(0);
    expect(byOne).toBeLessThan(400);
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
  });

  it('runs two buses made by createBusFromConfig with { type: "redis-bus" }', async () => {
    const transport = { type: 'redis-bus', url: redis.url, blockMs: 200 };
    const store = { type: 'memory' };
    const webName = uniqueName('cfg-a');
    const web = await createBusFromConfig({ name: webName, transport, store });
    const email = await createBusFromConfig({ name: uniqueName('cfg-b'), transport, store });
    try {
      expect(web.address).toBe(webName);
      const got: string[] = [];
      await email.subscribe('user.signedUp', (p: { email: string }) => void got.push(p.email));
      await web.publish('user.signedUp', { email: 'ada@example.com' });
      await waitFor(() => got.includes('ada@example.com'), { timeoutMs: 10_000 });
      await expect(createBusFromConfig({ name: uniqueName('cfg-c'), transport: { type: 'redis-bus', url: redis.url, leaseMs: 'long' }, store })).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('leaseMs') });
    } finally {
      await Promise.all([web.close(), email.close()]);
    }
  });
});
