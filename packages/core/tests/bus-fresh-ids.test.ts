import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEnvelope, idFloor, jsonCodec, MemoryStore, newId, type Bus, type BusOptions } from '../src/index.js';
import { waitFor } from '../src/testing/index.js';
import { ACK_MODES, Cluster, FAST } from './helpers.js';

// The receiver proves a message fresh without reading its store when the id sorts above every inbox and dedupe key
// (see InboxWriter.storedUpTo); anything else must still be looked up and deduped.
for (const ack of ACK_MODES) {
  describe(`Bus duplicate checks (ack: ${ack})`, () => {
    const cluster = new Cluster('publisher', ack);
    afterEach(async () => {
      vi.restoreAllMocks();
      await cluster.closeAll();
    });

    /** Sends the ids to the receiver in one batch straight through the sender's transport, as a sender that never saw the ack would. */
    async function deliverRaw(sender: Bus, receiver: Bus, ...ids: string[]): Promise<void> {
      const batch = ids.map((id) => {
        const envelope = createEnvelope({ id, kind: 'command', topic: 'job', payload: { id }, source: sender.name });
        return { destination: { type: 'endpoint' as const, address: receiver.address }, envelope, bytes: jsonCodec.encode(envelope) };
      });
      const outcomes = await cluster.transport(sender.name).send(batch);
      expect(outcomes.every((o) => o.ok)).toBe(true);
    }

    /** A sender and a receiver (`b`, with `receiverOptions`) on the cluster. */
    async function pair(receiverOptions: Partial<BusOptions> = {}) {
      const [a, b] = [cluster.name('a'), cluster.name('b')];
      return { b, sender: await cluster.start(a), receiver: await cluster.start(b, receiverOptions) };
    }

    it('reads no store keys for a stream of new messages from one sender', async () => {
      const { b, sender, receiver } = await pair();
      let runs = 0;
      receiver.handle('job', () => void runs++);
      const spy = vi.spyOn(MemoryStore.prototype, 'getMany');
      for (let n = 0; n < 50; n++) await sender.send(b, 'job', n);
      await waitFor(() => runs === 50);
      expect(spy.mock.calls.flatMap(([, keys]) => keys)).toEqual([]);
    });

    it('still runs a new message whose id sorts below one already handled (a sender with a slower clock)', async () => {
      const { sender, receiver } = await pair();
      const seen: string[] = [];
      receiver.handle('job', (payload: { id: string }) => void seen.push(payload.id));
      const newer = newId();
      // Not newId: within a process it never goes below an id it made.
      const older = idFloor(Date.now() - 60_000).slice(0, 25) + '1';
      expect(older < newer).toBe(true);
      await deliverRaw(sender, receiver, newer);
      await waitFor(() => seen.length === 1);
      await deliverRaw(sender, receiver, older);
      await waitFor(() => seen.length === 2);
      expect(seen).toEqual([newer, older]);
      expect(receiver.stats().duplicates).toBe(0);
    });

    it('hands a batch to the handlers in the order it came, whether or not each id needed a store read', async () => {
      const { sender, receiver } = await pair({ inbox: { ...FAST.inbox, concurrency: 1 } });
      const seen: string[] = [];
      receiver.handle('job', (payload: { id: string }) => void seen.push(payload.id));
      await deliverRaw(sender, receiver, newId());
      await waitFor(() => seen.length === 1);
      // Below what the receiver has seen, so looked up; then one above it, proven fresh without a read.
      const older = idFloor(Date.now() - 60_000).slice(0, 25) + '1';
      const newer = newId();
      await deliverRaw(sender, receiver, older, newer);
      await waitFor(() => seen.length === 3);
      expect(seen.slice(1)).toEqual([older, newer]);
    });

    it('catches a redelivery after a restart, when nothing in memory remembers the message', async () => {
      const [a, b] = [cluster.name('a'), cluster.name('b')];
      const sender = await cluster.start(a);
      let receiver = await cluster.start(b);
      let runs = 0;
      receiver.handle('job', () => void runs++);
      const id = newId();
      await deliverRaw(sender, receiver, id);
      await waitFor(() => runs === 1);
      await receiver.close();
      receiver = await cluster.start(b);
      receiver.handle('job', () => void runs++);
      await deliverRaw(sender, receiver, id);
      await waitFor(() => receiver.stats().duplicates === 1);
      expect(runs).toBe(1);
    });
  });
}
