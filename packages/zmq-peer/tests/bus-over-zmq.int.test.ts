import { createBus, MemorySpace, MemoryStore, type Bus, type BusOptions } from '@resolute/core';
import { uniqueName, waitFor } from '@resolute/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { ZmqPeerTransport } from '../src/index.js';
import { AddressBook } from './free-port.js';

const book = new AddressBook();
const spaces = new Map<string, MemorySpace>();
const open = new Set<Bus>();
const FAST: Partial<BusOptions> = { outbox: { retry: { initialDelayMs: 20, maxDelayMs: 200 } }, inbox: { retry: { initialDelayMs: 5, maxDelayMs: 20 } }, closeTimeoutMs: 2_000 };

/** A bus on a real ZeroMQ transport; the same name again is a restart at the same address with the same store. */
async function peer(name: string): Promise<Bus> {
  let space = spaces.get(name);
  if (space === undefined) spaces.set(name, (space = new MemorySpace()));
  const bus = await createBus({
    name,
    transport: new ZmqPeerTransport({ bind: await book.of(name), ackTimeoutMs: 2_000, sendTimeoutMs: 300 }),
    store: new MemoryStore({ space }),
    ...FAST,
  });
  open.add(bus);
  return bus;
}

afterEach(async () => {
  await Promise.all([...open].map((b) => b.close()));
  open.clear();
});

describe('Bus over zmq-peer (real sockets)', () => {
  it('subscribes with the resolute handshake and receives what the publisher publishes', async () => {
    const [webName, emailName] = [uniqueName('web'), uniqueName('email')];
    const web = await peer(webName);
    const email = await peer(emailName);
    const got: string[] = [];
    await email.subscribe('user.signedUp', (p: { email: string }) => void got.push(p.email), { from: web.address });
    await waitFor(async () => (await web.publish('user.signedUp', { email: 'probe@x' })).deliveries === 1);
    await web.publish('user.signedUp', { email: 'ada@example.com' });
    await waitFor(() => got.includes('ada@example.com'));
  });

  it('keeps the subscription request in the outbox until the publisher is up', async () => {
    const [webName, emailName] = [uniqueName('web'), uniqueName('email')];
    const webAddress = await book.of(webName);
    const email = await peer(emailName);
    const got: number[] = [];
    await email.subscribe('tick', (n: number) => void got.push(n), { from: webAddress });
    const web = await peer(webName);
    await waitFor(async () => (await web.publish('tick', 1)).deliveries === 1, { timeoutMs: 15_000 });
    await waitFor(() => got.includes(1));
  });

  it('resends only to the subscriber that did not acknowledge, and gives it its backlog when it returns', async () => {
    const pubName = uniqueName('pub');
    const pub = await peer(pubName);
    const names = [0, 1, 2, 3].map((i) => uniqueName(`sub${i}`));
    const seen = new Map<string, number[]>(names.map((n) => [n, []]));
    const subs = await Promise.all(names.map((n) => peer(n)));
    await Promise.all(subs.map((s, i) => s.subscribe('tick', (n: number) => void seen.get(names[i]!)!.push(n), { from: pub.address })));
    await waitFor(async () => (await pub.publish('tick', -1)).deliveries === 4, { timeoutMs: 15_000 });
    await waitFor(() => names.every((n) => seen.get(n)!.includes(-1)));
    await subs[3]!.close();
    for (let n = 0; n < 100; n++) await pub.publish('tick', n);
    // The three live subscribers are not held back by the fourth.
    await waitFor(() => names.slice(0, 3).every((n) => seen.get(n)!.filter((x) => x >= 0).length === 100), { timeoutMs: 15_000 });
    const back = await peer(names[3]!);
    const late: number[] = [];
    await back.subscribe('tick', (n: number) => void late.push(n), { from: pub.address });
    await waitFor(() => new Set(late.filter((x) => x >= 0)).size === 100, { timeoutMs: 20_000 });
    // The others got nothing twice.
    for (const n of names.slice(0, 3)) expect(seen.get(n)!.length).toBe(new Set(seen.get(n)).size);
    // Every delivery left the publisher's outbox once acknowledged: 4 probes at least, then 100 to each of 4.
    await waitFor(() => pub.stats().delivered >= 4 + 400);
  });

  it('sends commands and answers requests across peers', async () => {
    const billing = await peer(uniqueName('billing'));
    const web = await peer(uniqueName('web'));
    const charged: number[] = [];
    billing.handle('charge', (p: { cents: number }) => void charged.push(p.cents));
    billing.handle('quote', (p: { sku: string }) => ({ sku: p.sku, cents: 250 }));
    await web.send(billing.address, 'charge', { cents: 100 });
    await waitFor(() => charged.includes(100));
    await expect(web.request(billing.address, 'quote', { sku: 'A' }, { timeoutMs: 5_000 })).resolves.toEqual({ sku: 'A', cents: 250 });
  });
});
