import { silentLogger, type IncomingMessage } from '@resolute/core';
import { freePort, messages } from '@resolute/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { generateCurveKeyPair, ZmqPeerTransport, type ZmqPeerOptionsInput } from '../src/index.js';
import { splitBatch } from '../src/split-batch.js';

const started: ZmqPeerTransport[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((t) => t.close()));
});

async function peer(maxMessageBytes: number, received: IncomingMessage[][] = [], options: Partial<ZmqPeerOptionsInput> = {}): Promise<ZmqPeerTransport> {
  const transport = new ZmqPeerTransport({ bind: `tcp://127.0.0.1:${await freePort()}`, maxMessageBytes, ackTimeoutMs: 2_000, ...options });
  await transport.start({ endpoint: 'size', logger: silentLogger, receive: async (batch) => void received.push([...batch]) });
  started.push(transport);
  return transport;
}

describe('zmq-peer DELIVER size', () => {
  it('cuts batches by count and by bytes, keeping order, and never leaves a message out', () => {
    const sizes = [10, 10, 10, 30, 1, 1, 1, 1, 26];
    const chunks = splitBatch(sizes.map((n, i) => Buffer.alloc(n, i)), (m) => m, 3, 34);
    // Each message costs its length + 4: [14,14] then +14 > 34; [34]; [5,5,5] hits the count; [5, 30] > 34.
    expect(chunks.map((c) => c.map((m) => m.length))).toEqual([[10, 10], [10], [30], [1, 1, 1], [1], [26]]);
    expect(chunks.flat().map((m) => m[0])).toEqual(sizes.map((_, i) => i));
  });

  it('splits a batch larger than the receiver accepts into frames it accepts, all acknowledged', async () => {
    const received: IncomingMessage[][] = [];
    const receiver = await peer(4_000, received);
    const sender = await peer(4_000);
    const batch = messages({ type: 'endpoint', address: receiver.address }, 40, (i) => ({ i, text: 'x'.repeat(300) }));
    const outcomes = await sender.send(batch);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(received.length).toBeGreaterThan(1);
    expect(received.flat().map((m) => m.bytes.toString('hex'))).toEqual(batch.map((m) => m.bytes.toString('hex')));
  });

  it('fails a message too large for any frame without retry, and delivers the rest of its batch', async () => {
    const received: IncomingMessage[][] = [];
    const receiver = await peer(2_000, received);
    const sender = await peer(2_000);
    const address = receiver.address;
    const batch = [...messages({ type: 'endpoint', address }, 2), ...messages({ type: 'endpoint', address }, 1, () => 'y'.repeat(5_000))];
    const outcomes = await sender.send(batch);
    expect(outcomes.slice(0, 2).every((o) => o.ok)).toBe(true);
    expect(outcomes[2]).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', retryable: false, message: expect.stringMatching(/raise maxMessageBytes on every peer/) } });
    expect(received.flat()).toHaveLength(2);
  });

  it('reports each DELIVER of a cut batch on its own: parts past the in-flight window fail, the rest are delivered', async () => {
    const received: IncomingMessage[][] = [];
    const receiver = await peer(2_000, received);
    const sender = await peer(2_000, [], { maxInFlightBatches: 2 });
    // About 5 messages of ~330 bytes fit a 2,000-byte frame: 40 messages make 8 DELIVERs, 2 of them inside the window.
    const batch = messages({ type: 'endpoint', address: receiver.address }, 40, (i) => ({ i, text: 'x'.repeat(250) }));
    const outcomes = await sender.send(batch);
    const delivered = outcomes.filter((o) => o.ok).length;
    expect(delivered).toBeGreaterThan(0);
    expect(outcomes.filter((o) => !o.ok).every((o) => !o.ok && o.error.code === 'BACKPRESSURE')).toBe(true);
    expect(received.flat()).toHaveLength(delivered);
    // The failed ones go through on the next tries: progress, never the same failure forever.
    let rest = batch.filter((_, i) => !outcomes[i]!.ok);
    for (let attempt = 0; rest.length > 0 && attempt < 20; attempt++) {
      const again = await sender.send(rest);
      rest = rest.filter((_, i) => !again[i]!.ok);
    }
    expect(rest).toHaveLength(0);
    expect(received.flat()).toHaveLength(40);
  });

  it('delivers a frame of exactly maxMessageBytes over CURVE, whose wire frame is larger', async () => {
    const server = generateCurveKeyPair();
    const client = generateCurveKeyPair();
    const received: IncomingMessage[][] = [];
    const receiver = await peer(3_000, received, { curve: { ...server, allowClients: [client.publicKey] } });
    const sender = await peer(3_000, [], { curve: { ...client, serverKey: server.publicKey } });
    const [probe] = messages({ type: 'endpoint', address: receiver.address }, 1, () => '');
    const overhead = probe!.bytes.length + 4 - 2; // the packed size of an empty-string payload, less its quotes
    const [exact] = messages({ type: 'endpoint', address: receiver.address }, 1, () => 'z'.repeat(3_000 - overhead - 2));
    expect(exact!.bytes.length + 4).toBe(3_000);
    const outcomes = await sender.send([exact!]);
    expect(outcomes[0]).toEqual({ ok: true });
    expect(received.flat()).toHaveLength(1);
  });
});
