import { afterEach, describe, expect, it } from 'vitest';
import { NAMESPACES, ResoluteError } from '../src/index.js';
import { waitFor } from '../src/testing/index.js';
import { ACK_MODES, Cluster, recorder } from './helpers.js';

for (const [routing, ack] of (['publisher', 'broker'] as const).flatMap((r) => ACK_MODES.map((a) => [r, a] as const))) {
  describe(`Bus publish/subscribe over a ${routing}-routed transport (ack: ${ack})`, () => {
    const cluster = new Cluster(routing, ack);
    afterEach(() => cluster.closeAll());

    it('delivers a published event to a subscriber on another bus', async () => {
      const [webName, emailName] = [cluster.name('web'), cluster.name('email')];
      const web = await cluster.start(webName);
      const email = await cluster.start(emailName);
      const got = recorder<{ user: string }>();
      await email.subscribe('user.signedUp', got.handler, { from: webName });
      // Publisher-routed: the subscription travels as a reliable message; wait until the publisher has it.
      await waitFor(async () => (await web.publish('user.signedUp', { user: 'probe' })).deliveries > 0);
      const receipt = await web.publish('user.signedUp', { user: 'ada' });
      expect(receipt.deliveries).toBe(1);
      await waitFor(() => got.calls.some((c) => c.user === 'ada'));
    });

    it('keeps publishing while the subscriber is down and delivers when it returns', async () => {
      const [webName, emailName] = [cluster.name('web'), cluster.name('email')];
      const web = await cluster.start(webName);
      let email = await cluster.start(emailName);
      await email.subscribe('user.signedUp', () => undefined, { from: webName });
      await waitFor(async () => (await web.publish('user.signedUp', { n: -1 })).deliveries > 0);
      await email.close();
      for (let n = 0; n < 50; n++) await web.publish('user.signedUp', { n });
      email = await cluster.start(emailName);
      const got = recorder<{ n: number }>();
      await email.subscribe('user.signedUp', got.handler, { from: webName });
      await waitFor(() => new Set(got.calls.map((c) => c.n).filter((n) => n >= 0)).size === 50, { timeoutMs: 10_000 });
    });

    it('fans out to every subscriber; one that is down does not hold the others back', async () => {
      const pubName = cluster.name('pub');
      const pub = await cluster.start(pubName);
      const names = [cluster.name('a'), cluster.name('b'), cluster.name('c')];
      const buses = await Promise.all(names.map((n) => cluster.start(n)));
      const seen = new Map<string, number[]>(names.map((n) => [n, []]));
      await Promise.all(buses.map((b, i) => b.subscribe('tick', (p: { n: number }) => void seen.get(names[i]!)!.push(p.n), { from: pubName })));
      await waitFor(async () => (await pub.publish('tick', { n: -1 })).deliveries === (routing === 'broker' ? 1 : 3));
      await buses[2]!.close();
      for (let n = 0; n < 20; n++) await pub.publish('tick', { n });
      await waitFor(() => [0, 1].every((i) => seen.get(names[i]!)!.filter((n) => n >= 0).length === 20));
      const back = await cluster.start(names[2]!);
      const late: number[] = [];
      await back.subscribe('tick', (p: { n: number }) => void late.push(p.n), { from: pubName });
      await waitFor(() => late.filter((n) => n >= 0).length === 20);
      // Nobody got anything twice: each subscriber had its own deliveries.
      for (const i of [0, 1]) expect(new Set(seen.get(names[i]!)).size).toBe(seen.get(names[i]!)!.length);
    });

    it('stops delivering after unsubscribe', async () => {
      const [pubName, subName] = [cluster.name('pub'), cluster.name('sub')];
      const pub = await cluster.start(pubName);
      const sub = await cluster.start(subName);
      const got = recorder<number>();
      const subscription = await sub.subscribe('t', got.handler, { from: pubName });
      await waitFor(async () => (await pub.publish('t', 1)).deliveries > 0 && got.calls.length > 0);
      await subscription.unsubscribe();
      if (routing === 'publisher') await waitFor(async () => (await pub.publish('t', 2)).deliveries === 0);
      else await pub.publish('t', 2);
      await pub.publish('t', 3);
      await cluster.start(cluster.name('flush'));
      expect(got.calls).not.toContain(3);
    });
  });
}

describe('Bus publish (publisher-routed) bookkeeping', () => {
  const cluster = new Cluster('publisher');
  afterEach(() => cluster.closeAll());

  it('resolves publish once the deliveries are in the outbox, and removes them once acknowledged', async () => {
    const [pubName, subName] = [cluster.name('pub'), cluster.name('sub')];
    const pub = await cluster.start(pubName);
    const sub = await cluster.start(subName);
    await sub.subscribe('t', () => undefined, { from: pubName });
    await waitFor(async () => (await pub.publish('t', 0)).deliveries === 1);
    await sub.close();
    const receipt = await pub.publish('t', 1);
    const outbox = cluster.space(pubName).data.get(NAMESPACES.outbox)!;
    expect([...outbox.keys()].some((k) => k.endsWith(receipt.id))).toBe(true);
    await cluster.start(subName);
    await waitFor(() => outbox.size === 0);
  });

  it('reports an event nobody subscribes to as unrouted (deliveries 0)', async () => {
    const pub = await cluster.start(cluster.name('pub'));
    let unrouted = 0;
    pub.on('unrouted', () => unrouted++);
    expect((await pub.publish('nobody.listens', {})).deliveries).toBe(0);
    expect(unrouted).toBe(1);
    expect(pub.stats().unrouted).toBe(1);
  });

  it('rejects bad topics with INVALID_ARGUMENT and calls after close with BUS_CLOSED', async () => {
    const bus = await cluster.start(cluster.name('bus'));
    await expect(bus.publish('has space', 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(bus.publish('', 1)).rejects.toBeInstanceOf(ResoluteError);
    await bus.close();
    await bus.close();
    await expect(bus.publish('t', 1)).rejects.toMatchObject({ code: 'BUS_CLOSED' });
  });

  it('keeps memory bounded for a large backlog to a subscriber that is down', async () => {
    const [pubName, subName] = [cluster.name('pub'), cluster.name('sub')];
    const pub = await cluster.start(pubName, { outbox: { memoryPerDestination: 50, retry: { initialDelayMs: 5, maxDelayMs: 20 } } });
    let sub = await cluster.start(subName);
    await sub.subscribe('t', () => undefined, { from: pubName });
    await waitFor(async () => (await pub.publish('t', -1)).deliveries === 1);
    await sub.close();
    let peak = 0;
    for (let n = 0; n < 1000; n++) {
      await pub.publish('t', n);
      peak = Math.max(peak, pub.stats().outboxInMemory);
    }
    expect(peak).toBeLessThanOrEqual(50);
    sub = await cluster.start(subName);
    const got = new Set<number>();
    await sub.subscribe('t', (n: number) => void got.add(n), { from: pubName });
    await waitFor(() => [...Array(1000).keys()].every((n) => got.has(n)), { timeoutMs: 20_000 });
  });
});
