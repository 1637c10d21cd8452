import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBus, MemoryNetwork, MemoryStore, MemoryTransport, NAMESPACES, ResoluteError, type BusOptions, type StoreOperation } from '../src/index.js';
import { waitFor } from '../src/testing/index.js';
import { Cluster, FAST } from './helpers.js';

const DIRECT = { outbox: { ...FAST.outbox, direct: true } } satisfies Partial<BusOptions>;
const refused = () => ({ ok: false as const, error: new ResoluteError('CONNECTION_LOST', 'broker down (test)') });

describe('Bus with outbox.direct (broker-routed)', () => {
  const cluster = new Cluster('broker');
  afterEach(async () => {
    vi.restoreAllMocks();
    await cluster.closeAll();
  });

  /** Every operation the memory stores are asked to apply from now on. */
  function watchBatches(): () => StoreOperation[] {
    const spy = vi.spyOn(MemoryStore.prototype, 'batch');
    return () => spy.mock.calls.flatMap(([operations]) => [...operations]);
  }

  /** A publisher with `pubOptions` and a subscriber to topic 't' that collects what it gets. */
  async function pubSub(pubOptions: Partial<BusOptions>, subOptions: Partial<BusOptions> = {}) {
    const [pubName, subName] = [cluster.name('pub'), cluster.name('sub')];
    const pub = await cluster.start(pubName, pubOptions);
    const sub = await cluster.start(subName, subOptions);
    const got: number[] = [];
    await sub.subscribe('t', (n: number) => void got.push(n));
    return { pubName, subName, pub, got };
  }

  it('hands messages straight to the broker: nothing is written to the outbox', async () => {
    const { subName, pub, got } = await pubSub(DIRECT);
    const operations = watchBatches();
    await Promise.all(Array.from({ length: 20 }, (_, n) => pub.publish('t', n)));
    await pub.send(subName, 'job', 1);
    await waitFor(() => got.length === 20);
    expect(operations().filter((o) => o.namespace === NAMESPACES.outbox)).toEqual([]);
    expect(pub.stats().delivered).toBe(21);
  });

  it('writes what the broker refused to the outbox, resolves, and delivers it once the broker takes it', async () => {
    const { pubName, pub, got } = await pubSub(DIRECT);
    const transport = cluster.transport(pubName);
    const send = vi.spyOn(transport, 'send').mockImplementation((batch) => Promise.resolve(batch.map(refused)));
    await pub.publish('t', 1);
    expect(cluster.space(pubName).data.get(NAMESPACES.outbox)?.size).toBe(1);
    send.mockRestore();
    await waitFor(() => got.length === 1);
    await waitFor(() => cluster.space(pubName).data.get(NAMESPACES.outbox)?.size === 0);
  });

  it('queues new messages behind those waiting in the outbox for the same destination, in order', async () => {
    // The relay waits 300 ms before its next try, so the broker is back while messages still wait in the outbox.
    const slowRetry = { outbox: { direct: true, retry: { initialDelayMs: 300, maxDelayMs: 300 } } };
    const { pubName, pub, got } = await pubSub(slowRetry, { inbox: { ...FAST.inbox, concurrency: 1 } });
    const send = vi.spyOn(cluster.transport(pubName), 'send').mockImplementation((batch) => Promise.resolve(batch.map(refused)));
    for (let n = 0; n < 5; n++) await pub.publish('t', n);
    await waitFor(() => send.mock.calls.length >= 2); // the direct send, then the relay's first try
    send.mockRestore();
    for (let n = 5; n < 10; n++) await pub.publish('t', n);
    await waitFor(() => got.length === 10);
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('does not let a message overtake one the broker refused while that one is being written to the outbox', async () => {
    const { pubName, pub, got } = await pubSub(DIRECT, { inbox: { ...FAST.inbox, concurrency: 1 } });
    vi.spyOn(cluster.transport(pubName), 'send').mockImplementationOnce((batch) => Promise.resolve(batch.map(refused)));
    // Outbox writes wait at a gate, so the refused message is still being written when the next one is published.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let gated = 0;
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with .call on the store it spies on
    const batch = MemoryStore.prototype.batch;
    vi.spyOn(MemoryStore.prototype, 'batch').mockImplementation(async function (this: MemoryStore, operations, options) {
      if (operations.some((o) => o.namespace === NAMESPACES.outbox && o.type === 'put')) {
        gated++;
        await gate;
      }
      return batch.call(this, operations, options);
    });
    const first = pub.publish('t', 1);
    await waitFor(() => gated === 1);
    const second = pub.publish('t', 2);
    await waitFor(() => gated === 2); // the second goes to the outbox too, behind the first
    open();
    await Promise.all([first, second]);
    await waitFor(() => got.length === 2);
    expect(got).toEqual([1, 2]);
  });

  it('keeps at most outbox.maxInFlightBatches direct sends in flight; the rest wait for one to finish', async () => {
    const { pubName, pub, got } = await pubSub({ outbox: { ...DIRECT.outbox, maxInFlightBatches: 1 } });
    const transport = cluster.transport(pubName);
    const send = transport.send.bind(transport);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const spy = vi.spyOn(transport, 'send').mockImplementation(async (batch) => {
      await gate;
      return send(batch);
    });
    const first = pub.publish('t', 1);
    await waitFor(() => spy.mock.calls.length === 1);
    const second = pub.publish('t', 2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(spy.mock.calls.length).toBe(1);
    open();
    await Promise.all([first, second]);
    expect(spy.mock.calls.length).toBe(2);
    await waitFor(() => got.length === 2);
  });

  it('rejects the publish when the broker refuses it and the outbox cannot be written either', async () => {
    const pubName = cluster.name('pub');
    const pub = await cluster.start(pubName, DIRECT);
    vi.spyOn(cluster.transport(pubName), 'send').mockImplementation((batch) => Promise.resolve(batch.map(refused)));
    vi.spyOn(MemoryStore.prototype, 'batch').mockRejectedValue(new ResoluteError('STORE_IO', 'disk gone (test)'));
    await expect(pub.send(cluster.name('nobody'), 'job', 1)).rejects.toMatchObject({ code: 'STORE_IO' });
  });

  it('is refused with INVALID_CONFIG on a transport whose sends are not kept by a broker', async () => {
    const network = new MemoryNetwork({ routing: 'publisher' });
    const options = { name: cluster.name('p2p'), transport: new MemoryTransport({ network, address: 'x' }), store: new MemoryStore(), outbox: { direct: true } };
    await expect(createBus(options)).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('outbox.direct') });
  });
});
