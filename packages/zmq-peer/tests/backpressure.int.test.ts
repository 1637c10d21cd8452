import { createBusFromConfig, silentLogger, type IncomingMessage } from '@resolute/core';
import { deliverAll, freePort, messages, waitFor } from '@resolute/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { ZmqPeerTransport } from '../src/index.js';

const started: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((t) => t.close()));
});

describe('zmq-peer back-pressure', () => {
  it('fails fast with BACKPRESSURE past the in-flight window instead of queueing without bound, and loses nothing', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const received: IncomingMessage[] = [];
    const receiver = new ZmqPeerTransport({ bind: `tcp://127.0.0.1:${await freePort()}` });
    // A receiver whose store is stuck: nothing is acknowledged until the gate opens.
    await receiver.start({ endpoint: 'slow', logger: silentLogger, receive: async (batch) => {
      await gate;
      received.push(...batch);
    } });
    const sender = new ZmqPeerTransport({ bind: `tcp://127.0.0.1:${await freePort()}`, maxInFlightBatches: 2, ackTimeoutMs: 30_000 });
    await sender.start({ endpoint: 'fast', logger: silentLogger, receive: async () => undefined });
    started.push(receiver, sender);
    const address = receiver.address;
    const first = [sender.send(messages({ type: 'endpoint', address }, 10)), sender.send(messages({ type: 'endpoint', address }, 10))];
    const third = await sender.send(messages({ type: 'endpoint', address }, 10));
    expect(third.every((o) => !o.ok && o.error.code === 'BACKPRESSURE')).toBe(true);
    release();
    expect((await Promise.all(first)).flat().every((o) => o.ok)).toBe(true);
    const rest = messages({ type: 'endpoint', address }, 500);
    await deliverAll(sender, rest);
    await waitFor(() => received.length === 520);
  });
});

describe('zmq-peer from config', () => {
  it('is what createBusFromConfig loads for transport.type "zmq-peer"', async () => {
    const [a, b] = [`tcp://127.0.0.1:${await freePort()}`, `tcp://127.0.0.1:${await freePort()}`];
    const web = await createBusFromConfig({ name: 'web', transport: { type: 'zmq-peer', bind: a }, store: { type: 'memory' } });
    const email = await createBusFromConfig({ name: 'email', transport: { type: 'zmq-peer', bind: b, ackTimeoutMs: 3_000 }, store: { type: 'memory' }, bus: { endpoints: { web: a } } });
    started.push(web, email);
    const got: string[] = [];
    await email.subscribe('user.signedUp', (u: { email: string }) => void got.push(u.email), { from: 'web' });
    await waitFor(async () => (await web.publish('user.signedUp', { email: 'probe' })).deliveries === 1);
    expect(web.address).toBe(a);
    // Nothing left in flight when afterEach closes both at once: a delivery whose receiver closes first would hold
    // web's close until its ack timeout.
    await waitFor(() => got.length === 1 && web.stats().delivered === 1);
  });

  it('names the bad field of a zmq-peer section', async () => {
    await expect(createBusFromConfig({ name: 'x', transport: { type: 'zmq-peer', bind: 'tcp://127.0.0.1:1', ackTimeoutMs: -5, colour: 'red' }, store: { type: 'memory' } })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringMatching(/ackTimeoutMs.*colour|colour.*ackTimeoutMs/),
    });
  });
});
