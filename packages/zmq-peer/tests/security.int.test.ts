import { silentLogger, type IncomingMessage } from '@resolute/core';
import { freePort, messages, seededRandom, waitFor } from '@resolute/core/testing';
import { Dealer } from 'zeromq';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeDeliver, generateCurveKeyPair, ZmqPeerTransport, type ZmqPeerOptionsInput } from '../src/index.js';

const started: ZmqPeerTransport[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((t) => t.close()));
});

async function start(options: Omit<ZmqPeerOptionsInput, 'bind'>): Promise<{ transport: ZmqPeerTransport; received: IncomingMessage[] }> {
  const transport = new ZmqPeerTransport({ bind: `tcp://127.0.0.1:${await freePort()}`, ackTimeoutMs: 1_000, sendTimeoutMs: 300, ...options });
  const received: IncomingMessage[] = [];
  await transport.start({ endpoint: 'sec', logger: silentLogger, receive: async (batch) => void received.push(...batch) });
  started.push(transport);
  return { transport, received };
}

describe('zmq-peer CURVE security', () => {
  const server = generateCurveKeyPair();
  const friend = generateCurveKeyPair();
  const stranger = generateCurveKeyPair();

  it('delivers between peers whose keys are allowed', async () => {
    const receiver = await start({ curve: { ...server, allowClients: [friend.publicKey] } });
    const sender = await start({ curve: { ...friend, serverKey: server.publicKey } });
    const outcomes = await sender.transport.send(messages({ type: 'endpoint', address: receiver.transport.address }, 3));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(receiver.received).toHaveLength(3);
  });

  it('refuses a client whose key is not on the allow-list: nothing delivered, refusal counted', async () => {
    const receiver = await start({ curve: { ...server, allowClients: [friend.publicKey] } });
    const sender = await start({ curve: { ...stranger, serverKey: server.publicKey } });
    const outcomes = await sender.transport.send(messages({ type: 'endpoint', address: receiver.transport.address }, 3));
    expect(outcomes.every((o) => !o.ok)).toBe(true);
    await waitFor(() => receiver.transport.stats().deniedClients > 0);
    // Once the refusal is known, the sender says so instead of a bare "unreachable".
    const again = await sender.transport.send(messages({ type: 'endpoint', address: receiver.transport.address }, 1));
    expect(again[0]).toMatchObject({ ok: false, error: { code: 'AUTH_FAILED' } });
    expect(receiver.received).toHaveLength(0);
  });

  it('delivers nothing to a peer that does not speak CURVE with the right server key', async () => {
    const receiver = await start({ curve: { ...server } });
    const wrongKey = await start({ curve: { ...friend, serverKey: stranger.publicKey } });
    const plain = await start({});
    for (const sender of [wrongKey, plain]) {
      const outcomes = await sender.transport.send(messages({ type: 'endpoint', address: receiver.transport.address }, 2));
      expect(outcomes.every((o) => !o.ok)).toBe(true);
    }
    expect(receiver.received).toHaveLength(0);
  });

  it('refuses malformed CURVE keys at construction, naming the field', () => {
    expect(() => new ZmqPeerTransport({ bind: 'tcp://127.0.0.1:1', curve: { publicKey: 'short', secretKey: server.secretKey } })).toThrow(/curve\.publicKey/);
  });
});

describe('zmq-peer under foreign traffic', () => {
  it('counts and drops 10,000 malformed frames without disturbing valid traffic', async () => {
    const receiver = await start({});
    const sender = await start({});
    const intruder = new Dealer({ linger: 0 });
    intruder.connect(receiver.transport.address);
    try {
      const junk: Buffer[][] = [
        [Buffer.from('GET / HTTP/1.1')],
        [Buffer.from('RZP2'), Buffer.from('D'), Buffer.alloc(4)],
        [Buffer.from('RZP2'), Buffer.from('D'), Buffer.alloc(4), Buffer.from([0, 0, 1, 0, 1])],
        [Buffer.from('RZP1'), Buffer.from('D'), Buffer.alloc(4), Buffer.from('an older peer')],
        [Buffer.from('RZP2'), Buffer.from('A'), Buffer.alloc(4)],
        [Buffer.from('RZP2'), Buffer.from('Z'), Buffer.alloc(4), Buffer.from('x')],
        [Buffer.alloc(0)],
      ];
      // Then 10,000 random multipart messages (seeded): 1-4 frames of 0-64 random bytes each.
      const random = seededRandom(42);
      const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
      for (let i = 0; i < 10_000; i++) junk.push(Array.from({ length: 1 + Math.floor(random() * 4) }, () => bytes(Math.floor(random() * 65))));
      for (const frames of junk) await intruder.send(frames);
      // A well-formed DELIVER whose message is not an envelope still gets stored and acked: the bus sets it aside.
      await intruder.send(encodeDeliver(1, [Buffer.from('not an envelope')]));
      const outcomes = await sender.transport.send(messages({ type: 'endpoint', address: receiver.transport.address }, 5));
      expect(outcomes.every((o) => o.ok)).toBe(true);
      await waitFor(() => receiver.transport.stats().malformed === junk.length, { timeoutMs: 20_000, message: () => `malformed ${receiver.transport.stats().malformed} of ${junk.length}` });
      await waitFor(() => receiver.received.length === 6);
    } finally {
      intruder.close();
    }
  });

  it('names the field of a bad endpoint and refuses a wildcard bind without an address', () => {
    expect(() => new ZmqPeerTransport({ bind: 'localhost:1234' })).toThrow(/bind/);
    expect(() => new ZmqPeerTransport({ bind: 'tcp://0.0.0.0:1234' })).toThrow(/address/);
  });

  it('fails to start with INVALID_CONFIG when the port is taken', async () => {
    const first = await start({});
    const second = new ZmqPeerTransport({ bind: first.transport.address });
    await expect(second.start({ endpoint: 'x', logger: silentLogger, receive: async () => undefined })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });
});
