import { afterEach, describe, expect, it } from 'vitest';
import { createBus, jsonCodec, MemoryNetwork, MemorySpace, MemoryStore, MemoryTransport, type Bus, type OutgoingMessage, type SendOutcome } from '../src/index.js';
import { waitFor } from '../src/testing/index.js';
import { FAST } from './helpers.js';

/** A memory transport that records what the relay hands it, and can refuse sends until told otherwise. */
class RecordingTransport extends MemoryTransport {
  readonly sent: OutgoingMessage[] = [];
  refuse = false;
  override async send(batch: readonly OutgoingMessage[]): Promise<SendOutcome[]> {
    this.sent.push(...batch);
    if (this.refuse) throw new Error('peer away');
    return super.send(batch);
  }
}

describe('messages waiting in the outbox', () => {
  const buses: Bus[] = [];
  afterEach(async () => {
    for (const bus of buses.splice(0)) await bus.close();
  });

  it('travel as bytes: the relay keeps no decoded payload, neither for a fresh publish nor for an entry read back from the store', async () => {
    const network = new MemoryNetwork({ routing: 'broker' });
    const space = new MemorySpace();
    const start = async (transport: RecordingTransport) => {
      const bus = await createBus({ name: 'payloads-pub', transport, store: new MemoryStore({ space }), ...FAST });
      buses.push(bus);
      return bus;
    };
    const receiver = await createBus({ name: 'payloads-sub', transport: new MemoryTransport({ network }), store: new MemoryStore(), ...FAST });
    buses.push(receiver);
    const got: string[] = [];
    await receiver.subscribe('t', (payload: { text: string }) => void got.push(payload.text));
    const first = new RecordingTransport({ network });
    const sender = await start(first);
    await sender.publish('t', { text: 'fresh' });
    await waitFor(() => got.length === 1);
    // A publish the peer refuses stays in the outbox; after a restart the relay reads it back from the store.
    first.refuse = true;
    await sender.publish('t', { text: 'read back' });
    await waitFor(() => first.sent.length >= 2);
    await sender.close();
    const second = new RecordingTransport({ network });
    await start(second);
    await waitFor(() => got.length === 2);
    expect(got).toEqual(['fresh', 'read back']);
    for (const message of [...first.sent, ...second.sent]) {
      expect(message.envelope.payload).toBeUndefined();
      expect((jsonCodec.decode(message.bytes).payload as { text: string }).text).toMatch(/fresh|read back/);
    }
    expect(second.sent.length).toBeGreaterThan(0);
  });

  it('a reply travels as bytes too, and each header is the encoded envelope without its payload', async () => {
    const network = new MemoryNetwork({ routing: 'broker' });
    const [clientTransport, serverTransport] = [new RecordingTransport({ network }), new RecordingTransport({ network })];
    const client = await createBus({ name: 'payloads-client', transport: clientTransport, store: new MemoryStore(), ...FAST });
    const server = await createBus({ name: 'payloads-server', transport: serverTransport, store: new MemoryStore(), ...FAST });
    buses.push(client, server);
    server.handle('quote', (p: { sku: string }) => ({ sku: p.sku, cents: 1999 }));
    await expect(client.request(server.name, 'quote', { sku: 'A1' })).resolves.toEqual({ sku: 'A1', cents: 1999 });
    const reply = serverTransport.sent.find((m) => m.envelope.kind === 'reply');
    expect(reply, 'the server sent a reply').toBeDefined();
    for (const message of [...clientTransport.sent, ...serverTransport.sent]) {
      const decoded = jsonCodec.decode(message.bytes);
      expect(decoded.payload).toBeDefined();
      expect(message.envelope).toEqual({ ...decoded, payload: undefined });
    }
  });
});
