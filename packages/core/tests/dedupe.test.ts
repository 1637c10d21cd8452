import { afterEach, describe, expect, it } from 'vitest';
import { createEnvelope, DEDUPE_EXPIRY, jsonCodec, MemoryStore, NAMESPACES, sweepDedupe } from '../src/index.js';
import { dedupeOps } from '../src/bus/dedupe.js';
import { waitFor } from '../src/testing/index.js';
import { Cluster } from './helpers.js';

const HOUR = 60 * 60 * 1000;
const T0 = Date.UTC(2026, 0, 1);

async function storeWith(...batches: { ids: string[]; at: number }[]): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.open();
  for (const { ids, at } of batches) await store.batch(dedupeOps(ids, at));
  return store;
}

async function keys(store: MemoryStore, namespace: string): Promise<string[]> {
  const found: string[] = [];
  for await (const { key } of store.entries(namespace)) found.push(key);
  return found;
}

describe('dedupe records', () => {
  it('gives ids handled together one shared expiry record, and a single id a record of its own', async () => {
    const store = await storeWith({ ids: ['a1', 'a2', 'a3'], at: T0 }, { ids: ['b1'], at: T0 + 1 });
    expect(await keys(store, NAMESPACES.dedupe)).toEqual(['a1', 'a2', 'a3', 'b1']);
    const expiry: string[] = [];
    for await (const { value } of store.entries(DEDUPE_EXPIRY)) expiry.push(value.toString());
    expect(expiry).toEqual(['a1\na2\na3', 'b1']);
  });

  it('gives an id containing the separator a record of its own, even among others', async () => {
    const store = await storeWith({ ids: ['x1', 'odd\nid', 'x2'], at: T0 });
    expect(await store.count(DEDUPE_EXPIRY)).toBe(2);
    await sweepDedupe(store, HOUR, T0 + 2 * HOUR);
    expect(await store.count(NAMESPACES.dedupe)).toBe(0);
  });

  it('sweeps ids handled before the window, shared records whole, and keeps the ones inside it', async () => {
    const store = await storeWith({ ids: ['old1', 'old2', 'old3'], at: T0 }, { ids: ['old4'], at: T0 + 1 }, { ids: ['new1', 'new2'], at: T0 + 2 * HOUR });
    // Retention 1 h, now = T0 + 2.5 h: everything handled before T0 + 1.5 h goes. chunk 2: a 3-id record is not split.
    expect(await sweepDedupe(store, HOUR, T0 + 2.5 * HOUR, 2)).toBe(4);
    expect(await keys(store, NAMESPACES.dedupe)).toEqual(['new1', 'new2']);
    expect(await store.count(DEDUPE_EXPIRY)).toBe(1);
  });
});

describe("dedupe with inbox.ack 'handled'", () => {
  const cluster = new Cluster('publisher', 'handled');
  afterEach(() => cluster.closeAll());

  it('writes one expiry record per handled batch; a redelivery is absorbed until the sweep, handled again after it', async () => {
    const name = cluster.name('sub');
    const sender = await cluster.start(cluster.name('pub'));
    const runs = new Map<number, number>();
    const start = async () => {
      const receiver = await cluster.start(name);
      receiver.handle('job', (n: number) => void runs.set(n, (runs.get(n) ?? 0) + 1));
      return { receiver, receive: cluster.network.receiverOf(receiver.address)! };
    };
    const { receiver, receive } = await start();
    const batch = Array.from({ length: 10 }, (_, n) => ({ bytes: jsonCodec.encode(createEnvelope({ kind: 'command', topic: 'job', payload: n, source: sender.name })) }));
    await receive(batch);
    const space = cluster.space(name);
    expect(space.data.get(NAMESPACES.dedupe)?.size).toBe(10);
    expect(space.data.get(DEDUPE_EXPIRY)?.size).toBe(1);
    await receive(batch);
    expect([...runs.values()]).toEqual(Array.from({ length: 10 }, () => 1));
    await receiver.close();
    const store = new MemoryStore({ space });
    await store.open();
    expect(await sweepDedupe(store, HOUR, Date.now() + 2 * HOUR)).toBe(10);
    await store.close();
    await (await start()).receive(batch);
    await waitFor(() => [...runs.values()].every((count) => count === 2));
  });
});
