import { afterEach, describe, expect, it } from 'vitest';
import { createEnvelope, jsonCodec, MemoryStore, NAMESPACES, ResoluteError, type BatchOptions, type Bus, type StoreOperation } from '../src/index.js';
import { waitFor } from '../src/testing/index.js';
import { Cluster } from './helpers.js';

/** Keeps every batch written, and can be told to refuse the next ones. */
class WatchedStore extends MemoryStore {
  readonly batches: { operations: readonly StoreOperation[]; durability: string }[] = [];
  refuse = 0;
  override async batch(operations: readonly StoreOperation[], options?: BatchOptions): Promise<void> {
    if (this.refuse > 0) {
      this.refuse--;
      throw new ResoluteError('STORE_IO', 'refused by the test');
    }
    this.batches.push({ operations, durability: options?.durability ?? 'sync' });
    return super.batch(operations, options);
  }

  wrote(namespace: string): StoreOperation[] {
    return this.batches.flatMap((b) => b.operations.filter((o) => o.namespace === namespace));
  }
}

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  return { wait: new Promise<void>((resolve) => (open = resolve)), open };
}

/** A 'job' handler that counts its runs and holds each one until `open()`. */
function heldJob(receiver: Bus): { open: () => void; runs: () => number } {
  const release = gate();
  let runs = 0;
  receiver.handle('job', async () => {
    runs++;
    await release.wait;
  });
  return { open: release.open, runs: () => runs };
}

describe("Bus with inbox.ack 'handled'", () => {
  const cluster = new Cluster('publisher', 'handled');
  afterEach(() => cluster.closeAll());

  async function pair(store = new WatchedStore(), inbox: Record<string, unknown> = {}) {
    const sender = await cluster.start(cluster.name('a'));
    const receiver = await cluster.start(cluster.name('b'), { store, inbox: { maxAttempts: 3, retry: { initialDelayMs: 5, maxDelayMs: 10 }, ...inbox } });
    return { sender, receiver, store };
  }

  it('acks only once the handler ran, and writes nothing to the inbox when it succeeds', async () => {
    const { sender, receiver, store } = await pair();
    const job = heldJob(receiver);
    await sender.send(receiver.name, 'job', 1);
    await waitFor(() => job.runs() === 1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    // The handler is still running: the sender has no ack, so the message is still in its outbox.
    expect(sender.stats().delivered).toBe(0);
    job.open();
    await waitFor(() => sender.stats().delivered === 1 && receiver.stats().handled === 1);
    expect(store.wrote(NAMESPACES.inbox)).toEqual([]);
    expect(store.wrote(NAMESPACES.dedupe)).toHaveLength(1);
    // Only a dedupe entry was written: no reason to sync it (the ack already makes the message go away).
    expect(store.batches.every((b) => b.durability === 'relaxed')).toBe(true);
  });

  it('stores a failed message in the inbox, synced, before the ack; retries it from there', async () => {
    const { sender, receiver, store } = await pair();
    const attempts: number[] = [];
    receiver.handle('flaky', (_p, context) => {
      attempts.push(context.attempt);
      if (attempts.length === 1) throw new Error('first try fails');
    });
    await sender.send(receiver.name, 'flaky', {});
    await waitFor(() => receiver.stats().handled === 1);
    expect(attempts).toEqual([0, 1]);
    const inboxWrites = store.batches.filter((b) => b.operations.some((o) => o.namespace === NAMESPACES.inbox));
    expect(inboxWrites[0]!.durability).toBe('sync');
    expect(inboxWrites[0]!.operations[0]!.type).toBe('put');
    // The retry ran from the inbox and completed there.
    expect(store.wrote(NAMESPACES.inbox).map((o) => o.type)).toEqual(['put', 'del']);
    expect(sender.stats().delivered).toBe(1);
  });

  it('dead-letters a message that fails every time, synced, and acks it', async () => {
    const { sender, receiver, store } = await pair();
    receiver.handle('doomed', () => {
      throw new Error('always');
    });
    await sender.send(receiver.name, 'doomed', {});
    await waitFor(() => receiver.stats().dead === 1);
    expect(store.wrote(NAMESPACES.dead)).toHaveLength(1);
    expect(receiver.stats().retries).toBe(2);
  });

  it('parks a message no handler takes yet in the inbox, then runs it once a handler registers', async () => {
    const { sender, receiver, store } = await pair();
    await sender.send(receiver.name, 'later', 7);
    await waitFor(() => sender.stats().delivered === 1);
    expect(store.wrote(NAMESPACES.inbox)).toHaveLength(1);
    const seen: number[] = [];
    receiver.handle('later', (p: number) => void seen.push(p));
    await waitFor(() => seen.length === 1 && receiver.stats().handled === 1);
  });

  it('does not ack when the outcome cannot be written: the message comes again and runs again', async () => {
    const { sender, receiver, store } = await pair();
    let runs = 0;
    receiver.handle('job', () => void runs++);
    store.refuse = 1;
    await sender.send(receiver.name, 'job', {});
    await waitFor(() => receiver.stats().handled === 1);
    // At-least-once: the first run's outcome was lost with the refused write, so the redelivery ran it again.
    expect(runs).toBe(2);
    expect(sender.stats().delivered).toBe(1);
  });

  it('keeps to inbox.concurrency across receive calls arriving together', async () => {
    const { sender, receiver } = await pair(new WatchedStore(), { concurrency: 2 });
    let running = 0;
    let most = 0;
    receiver.handle('job', async () => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, 2));
      running--;
    });
    const receive = cluster.network.receiverOf(receiver.address)!;
    const batches = Array.from({ length: 5 }, (_, b) =>
      Array.from({ length: 10 }, (_, i) => {
        const envelope = createEnvelope({ kind: 'command', topic: 'job', payload: b * 10 + i, source: sender.name });
        return { bytes: jsonCodec.encode(envelope) };
      }),
    );
    await Promise.all(batches.map((batch) => receive(batch)));
    expect(receiver.stats().handled).toBe(50);
    expect(most).toBe(2);
  });

  it('shares handler slots fairly: a retry from the inbox is not starved by a stream of received messages', async () => {
    const { sender, receiver } = await pair(new WatchedStore(), { concurrency: 1, retry: { initialDelayMs: 1, maxDelayMs: 1 } });
    const order: string[] = [];
    let failedOnce = false;
    receiver.handle('job', async (p: string) => {
      if (p === 'flaky' && !failedOnce) {
        failedOnce = true;
        throw new Error('first try fails');
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
      order.push(p);
    });
    const receive = cluster.network.receiverOf(receiver.address)!;
    const bytes = (payload: string) => ({ bytes: jsonCodec.encode(createEnvelope({ kind: 'command', topic: 'job', payload, source: sender.name })) });
    await receive([bytes('flaky')]);
    // The retry is due in ~1 ms; 40 received messages already wait for the one slot.
    const stream = Array.from({ length: 4 }, (_, b) => receive(Array.from({ length: 10 }, (_, i) => bytes(`m${b * 10 + i}`))));
    await Promise.all(stream);
    await waitFor(() => order.includes('flaky'));
    expect(order.indexOf('flaky')).toBeLessThan(5);
  });

  it('closing runs no new handler: received messages still waiting for a slot go to the inbox and run after a restart', async () => {
    const subName = cluster.name('sub');
    const sender = await cluster.start(cluster.name('pub'));
    let receiver = await cluster.start(subName, { inbox: { concurrency: 1 } });
    const release = gate();
    const seen: number[] = [];
    receiver.handle('job', async (p: number) => {
      seen.push(p);
      if (p === 0) await release.wait;
    });
    const receive = cluster.network.receiverOf(receiver.address)!;
    const batch = [0, 1, 2].map((p) => ({ bytes: jsonCodec.encode(createEnvelope({ kind: 'command', topic: 'job', payload: p, source: sender.name })) }));
    const received = receive(batch);
    await waitFor(() => seen.length === 1);
    const closed = receiver.close();
    release.open();
    await received;
    await closed;
    expect(seen).toEqual([0]);
    expect(cluster.space(subName).data.get(NAMESPACES.inbox)?.size).toBe(2);
    receiver = await cluster.start(subName, { inbox: { concurrency: 1 } });
    receiver.handle('job', (p: number) => void seen.push(p));
    await waitFor(() => seen.length === 3);
    expect(seen.sort()).toEqual([0, 1, 2]);
  });

  it('acks a copy of a message in flight only after the first copy is safe, and not at all if it fails', async () => {
    const { sender, receiver, store } = await pair();
    const job = heldJob(receiver);
    const receive = cluster.network.receiverOf(receiver.address)!;
    const envelope = createEnvelope({ kind: 'command', topic: 'job', payload: {}, source: sender.name });
    const bytes = jsonCodec.encode(envelope);
    const first = receive([{ bytes }]);
    await waitFor(() => job.runs() === 1);
    let secondDone = false;
    const second = receive([{ bytes: Buffer.from(bytes) }]).then(() => (secondDone = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(secondDone).toBe(false);
    // The first copy's outcome cannot be written: neither copy may be acked.
    store.refuse = 1;
    job.open();
    await expect(first).rejects.toThrow('refused by the test');
    await expect(second).rejects.toThrow('refused by the test');
    expect(job.runs()).toBe(1);
    expect(receiver.stats().duplicates).toBe(1);
  });
});
