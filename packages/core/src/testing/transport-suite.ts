import { describe, expect, it } from 'vitest';
import { ResoluteError } from '../errors.js';
import {
  deliverAll,
  messages,
  type TransportConformanceOptions,
  type TransportFactory,
  useTransportHarness,
  waitForIds,
} from './transport-suite-harness.js';
import { waitFor } from './wait-for.js';

export type { Endpoint, TransportConformanceOptions, TransportFactory, TransportHarness } from './transport-suite-harness.js';

/**
 * The Transport conformance suite: every Transport runs it against its real server or sockets, and passing it is
 * what "done" means for one. It plays the pipeline's part (retrying failed sends like the outbox relay, storing what
 * it receives like the inbox) and checks what the contract in transport.ts promises. Capabilities a transport
 * declares it lacks (topic routing on publisher-routed transports, ordering) turn their tests into reported skips.
 *
 *     describeTransportConformance('zmq-peer', { create: (name) => new ZmqPeerTransport({ bind: addressFor(name) }) });
 */
export function describeTransportConformance(name: string, factory: TransportFactory, options: TransportConformanceOptions = {}): void {
  describe(`Transport conformance: ${name}`, () => {
    const h = useTransportHarness(factory, options);
    const timeout = h.options.timeoutMs;

    it('declares its capabilities and an address once started', async () => {
      const a = await h.endpoint();
      const caps = a.transport.capabilities;
      expect(['publisher', 'broker']).toContain(caps.routing);
      expect(caps.maxBatch).toBeGreaterThanOrEqual(1);
      expect(typeof a.transport.address).toBe('string');
      expect(a.transport.address.length).toBeGreaterThan(0);
      if (caps.routing === 'broker') expect(typeof a.transport.subscribe).toBe('function');
    }, timeout);

    it('delivers every message sent to an endpoint', async () => {
      const [a, b] = [await h.endpoint(), await h.endpoint()];
      const batch = messages({ type: 'endpoint', address: b.transport.address }, h.options.messages);
      await deliverAll(a.transport, batch);
      await waitForIds(b, batch.map((m) => m.envelope.id));
    }, timeout);

    it('keeps send order between one sender and one receiver when it declares `ordered`', async (ctx) => {
      const [a, b] = [await h.endpoint(), await h.endpoint()];
      if (!a.transport.capabilities.ordered) return ctx.skip('transport does not declare ordered delivery');
      const batch = messages({ type: 'endpoint', address: b.transport.address }, 200);
      await deliverAll(a.transport, batch);
      await waitForIds(b, batch.map((m) => m.envelope.id));
      const firstSeen = [...b.ids()];
      expect(firstSeen).toEqual(batch.map((m) => m.envelope.id));
    }, timeout);

    it('delivers again what the receiver refused to store (at-least-once)', async () => {
      const [a, b] = [await h.endpoint(), await h.endpoint()];
      b.rejectNext = 2;
      const batch = messages({ type: 'endpoint', address: b.transport.address }, 50);
      await deliverAll(a.transport, batch);
      await waitForIds(b, batch.map((m) => m.envelope.id));
      expect(b.rejectNext).toBe(0);
    }, timeout);

    it('loses nothing while the receiver is down and restarts', async () => {
      const a = await h.endpoint();
      const b = await h.endpoint();
      const address = b.transport.address;
      await h.stop(b);
      const batch = messages({ type: 'endpoint', address }, 100);
      const progress = { rounds: 0, failures: 0 };
      let done = false;
      const sending = deliverAll(a.transport, batch, timeout - 5_000, progress).finally(() => (done = true));
      // The receiver returns only after the sender has failed twice (publisher-routed) or the broker took it all.
      await waitFor(() => done || progress.rounds >= 2, { timeoutMs: timeout / 2 });
      const restarted = await h.endpoint(b.name);
      expect(restarted.transport.address).toBe(address);
      await sending;
      await waitForIds(restarted, batch.map((m) => m.envelope.id));
    }, timeout);

    it('keeps payloads byte for byte: unicode, every byte value, 1 MB', async () => {
      const [a, b] = [await h.endpoint(), await h.endpoint()];
      const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const big = Buffer.alloc(1024 * 1024, 7);
      big.write('end', big.length - 3);
      const payloads: unknown[] = [{ text: 'héllo wörld ✓ 日本語 🚀 \u0000 \uffff' }, allBytes, big, { nested: allBytes, n: -0.5, list: [null, true] }];
      const batch = messages({ type: 'endpoint', address: b.transport.address }, payloads.length, (i) => payloads[i]);
      await deliverAll(a.transport, batch);
      await waitForIds(b, batch.map((m) => m.envelope.id));
      batch.forEach((sent, i) => {
        const index = b.received.findIndex((e) => e.id === sent.envelope.id);
        expect(b.receivedBytes[index]!.equals(sent.bytes)).toBe(true);
        const [payload, expected] = [b.received[index]!.payload, payloads[i]];
        // toEqual walks a 1 MB buffer element by element: compare buffers as bytes.
        if (Buffer.isBuffer(expected)) expect(Buffer.isBuffer(payload) && payload.equals(expected)).toBe(true);
        else expect(payload).toEqual(expected);
      });
    }, timeout);

    it('delivers from several concurrent senders', async () => {
      const b = await h.endpoint();
      const senders = await Promise.all([h.endpoint(), h.endpoint(), h.endpoint(), h.endpoint()]);
      const batches = senders.map(() => messages({ type: 'endpoint', address: b.transport.address }, 150));
      await Promise.all(senders.map((s, i) => deliverAll(s.transport, batches[i]!)));
      await waitForIds(b, batches.flat().map((m) => m.envelope.id));
    }, timeout);

    it('routes topic messages to every subscribed endpoint and to no other (brokered transports)', async (ctx) => {
      const a = await h.endpoint();
      if (a.transport.capabilities.routing !== 'broker') return ctx.skip('publisher-routed: the bus fans events out itself');
      const [b, c, d] = [await h.endpoint(), await h.endpoint(), await h.endpoint()];
      const topic = `conformance.${b.name}`;
      await b.transport.subscribe!(topic);
      await c.transport.subscribe!(topic);
      const batch = messages({ type: 'topic', topic }, 100);
      await deliverAll(a.transport, batch);
      const ids = batch.map((m) => m.envelope.id);
      await waitForIds(b, ids);
      await waitForIds(c, ids);
      expect([...d.ids()].filter((id) => ids.includes(id))).toEqual([]);
      await b.transport.unsubscribe!(topic);
      const later = messages({ type: 'topic', topic }, 10);
      await deliverAll(a.transport, later);
      await waitForIds(c, later.map((m) => m.envelope.id));
      expect(later.some((m) => b.ids().has(m.envelope.id))).toBe(false);
    }, timeout);

    it('keeps topic messages for a subscribed endpoint that is down (brokered transports)', async (ctx) => {
      const a = await h.endpoint();
      if (a.transport.capabilities.routing !== 'broker') return ctx.skip('publisher-routed: the sender keeps them in its outbox');
      const b = await h.endpoint();
      const topic = `conformance.${b.name}`;
      await b.transport.subscribe!(topic);
      await h.stop(b);
      const batch = messages({ type: 'topic', topic }, 100);
      await deliverAll(a.transport, batch);
      const restarted = await h.endpoint(b.name);
      await waitForIds(restarted, batch.map((m) => m.envelope.id));
    }, timeout);

    it('settles every send after close, as failures, without throwing', async () => {
      const [a, b] = [await h.endpoint(), await h.endpoint()];
      await a.transport.close();
      await a.transport.close();
      const outcomes = await a.transport.send(messages({ type: 'endpoint', address: b.transport.address }, 3));
      expect(outcomes).toHaveLength(3);
      for (const outcome of outcomes) {
        expect(outcome.ok).toBe(false);
        if (!outcome.ok) expect(outcome.error).toBeInstanceOf(ResoluteError);
      }
    }, timeout);

    it('settles a send whose signal is aborted, without throwing', async () => {
      const [a, b] = [await h.endpoint(), await h.endpoint()];
      const address = b.transport.address;
      await h.stop(b);
      const controller = new AbortController();
      const sending = a.transport.send(messages({ type: 'endpoint', address }, 5), { signal: controller.signal });
      controller.abort();
      const outcomes = await sending;
      expect(outcomes).toHaveLength(5);
    }, timeout);
  });
}
