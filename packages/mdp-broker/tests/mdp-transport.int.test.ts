import { jsonCodec, silentLogger, type IncomingMessage } from '@resolute/core';
import { freePort, messages, uniqueName, waitFor } from '@resolute/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createTransportFromConfig, MdpTransport, type MdpTransportOptions } from '../src/index.js';
import { FAST, startHarness, type Harness } from './helpers.js';

let h: Harness | undefined;
const open: MdpTransport[] = [];
afterEach(async () => {
  for (const transport of open.splice(0)) await transport.close();
  await h?.close();
  h = undefined;
});

const context = { name: 'x', logger: silentLogger, baseDir: '.' };

async function endpoint(harness: Harness, receive: (batch: readonly IncomingMessage[]) => Promise<void>, extra: Partial<MdpTransportOptions> = {}): Promise<MdpTransport> {
  const transport = new MdpTransport({ broker: harness.endpoint, ...FAST, reconnectDelayMs: 50, ackTimeoutMs: 2_000, ...extra });
  open.push(transport);
  await transport.start({ endpoint: uniqueName('ep'), receive, logger: silentLogger });
  return transport;
}

describe('MdpTransport', () => {
  it('acknowledges a batch only once the receiving bus has stored it', async () => {
    h = await startHarness();
    let release: () => void = () => undefined;
    const stored: string[] = [];
    const b = await endpoint(h, async (batch) => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      for (const message of batch) stored.push(jsonCodec.decode(message.bytes).id);
    });
    const a = await endpoint(h, async () => undefined);
    const batch = messages({ type: 'endpoint', address: b.address }, 3);
    let settled = false;
    const sending = a.send(batch).finally(() => (settled = true));
    await waitFor(() => b.stats().batchesReceived === 0 && h?.broker.stats().busyWorkers === 1);
    expect(settled).toBe(false);
    release();
    expect(await sending).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(stored).toEqual(batch.map((m) => m.envelope.id));
    expect(a.stats()).toMatchObject({ batchesSent: 1, batchesAcked: 1 });
  });

  it('is an MDP service named after the endpoint; the broker confirms it before start resolves', async () => {
    h = await startHarness();
    const a = await endpoint(h, async () => undefined);
    expect(a.capabilities).toEqual({ routing: 'publisher', durable: false, ordered: false, requestReply: true, maxBatch: 256 });
    const client = h.client();
    expect((await client.requestFinal('mmi.service', a.address))[0]?.toString()).toBe('200');
    // another MDP program calling the service gets an error reply; nothing reaches the bus
    await expect(client.requestFinal(a.address, 'hello')).rejects.toMatchObject({ code: 'REMOTE_ERROR', details: { remoteCode: 'MALFORMED_MESSAGE' } });
    expect(a.stats()).toMatchObject({ batchesReceived: 0, batchesRefused: 1 });
  });

  it('splits a send into MDP requests of at most maxBatch and fails topics and bad names without retry', async () => {
    h = await startHarness();
    const received: number[] = [];
    const b = await endpoint(h, async (batch) => void received.push(batch.length));
    const a = await endpoint(h, async () => undefined, { maxBatch: 4 });
    const outcomes = await a.send([
      ...messages({ type: 'endpoint', address: b.address }, 10),
      ...messages({ type: 'topic', topic: 'prices' }, 1),
      ...messages({ type: 'endpoint', address: 'mmi.service' }, 1),
    ]);
    expect(outcomes.slice(0, 10).every((o) => o.ok)).toBe(true);
    expect(outcomes[10]).toMatchObject({ ok: false, error: { code: 'UNSUPPORTED', retryable: false } });
    expect(outcomes[11]).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', retryable: false } });
    expect(received.sort()).toEqual([2, 4, 4]);
  });

  it('reports a refused batch and a receiver that is down as retryable failures', async () => {
    h = await startHarness();
    const b = await endpoint(h, async () => {
      throw new Error('disk full');
    });
    const a = await endpoint(h, async () => undefined, { ackTimeoutMs: 300 });
    const [refused] = await a.send(messages({ type: 'endpoint', address: b.address }, 1));
    expect(refused).toMatchObject({ ok: false, error: { code: 'REMOTE_ERROR', retryable: true, message: expect.stringContaining('disk full') } });
    const [nobody] = await a.send(messages({ type: 'endpoint', address: uniqueName('down') }, 1));
    expect(nobody).toMatchObject({ ok: false, error: { code: 'TIMEOUT', retryable: true } });
    const controller = new AbortController();
    const aborted = a.send(messages({ type: 'endpoint', address: uniqueName('down') }, 1), { signal: controller.signal });
    controller.abort();
    expect((await aborted)[0]).toMatchObject({ ok: false, error: { code: 'ABORTED', retryable: true } });
  });

  it('fails start with UNREACHABLE when no broker confirms the service, and with INVALID_CONFIG for a name MDP cannot carry', async () => {
    const dead = new MdpTransport({ broker: `tcp://127.0.0.1:${await freePort()}`, startTimeoutMs: 300 });
    await expect(dead.start({ endpoint: uniqueName('ep'), receive: async () => undefined, logger: silentLogger })).rejects.toMatchObject({ code: 'UNREACHABLE' });
    await dead.close();
    const unicode = new MdpTransport({ broker: 'tcp://127.0.0.1:1' });
    await expect(unicode.start({ endpoint: 'café', receive: async () => undefined, logger: silentLogger })).rejects.toMatchObject({ code: 'INVALID_CONFIG', details: { field: 'service' } });
  });

  it('validates its options, naming the field; createTransportFromConfig refuses unknown fields by name', () => {
    expect(() => new MdpTransport({ broker: 'localhost:5555' })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', details: { field: 'broker' } }));
    expect(() => new MdpTransport({ broker: 'tcp://127.0.0.1:1', maxBatch: 0 })).toThrow(expect.objectContaining({ details: { field: 'maxBatch' } }));
    expect(() => new MdpTransport({ broker: 'tcp://127.0.0.1:1', service: 'mmi.x' })).toThrow(expect.objectContaining({ details: { field: 'service' } }));
    const built = createTransportFromConfig({ type: 'mdp-broker', broker: 'tcp://127.0.0.1:5555', ackTimeoutMs: 3_000 }, context);
    expect(built).toBeInstanceOf(MdpTransport);
    expect(built.options).toMatchObject({ broker: 'tcp://127.0.0.1:5555', ackTimeoutMs: 3_000, maxBatch: 256 });
    expect(() => createTransportFromConfig({ type: 'mdp-broker', brokr: 'tcp://127.0.0.1:5555', broker: 'tcp://127.0.0.1:5555' }, context)).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', details: { field: 'brokr' }, message: expect.stringContaining('brokr') }),
    );
    expect(() => createTransportFromConfig({ type: 'mdp-broker' }, context)).toThrow(expect.objectContaining({ details: { field: 'broker' } }));
  });
});
