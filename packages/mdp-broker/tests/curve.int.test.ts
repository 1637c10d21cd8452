import { silentLogger, type Logger } from '@resolute/core';
import { messages, uniqueName, waitFor } from '@resolute/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { Broker, Client, generateCurveKeyPair, MdpTransport, Titanic, Worker, type CurveClientOptions } from '../src/index.js';
import { FAST, startHarness, text, type Harness } from './helpers.js';

/** A logger that keeps its warnings, to check what an operator would read. */
function recordingLogger(): Logger & { warnings: Array<{ obj: object; msg: string | undefined }> } {
  const warnings: Array<{ obj: object; msg: string | undefined }> = [];
  return { ...silentLogger, warnings, warn: (obj, msg) => void warnings.push({ obj, msg }) };
}

const server = generateCurveKeyPair();
const alice = generateCurveKeyPair();
const bob = generateCurveKeyPair();
const mallory = generateCurveKeyPair();
const keysOf = (pair: { publicKey: string; secretKey: string }): CurveClientOptions => ({ serverKey: server.publicKey, ...pair });

let h: Harness | undefined;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await h?.close();
  h = undefined;
});

function worker(endpoint: string, service: string, curve: CurveClientOptions | undefined, logger: Logger = silentLogger): Worker {
  const made = new Worker({ broker: endpoint, service, ...FAST, reconnectDelayMs: 50, curve, logger }).onRequest((request, reply) => reply.end(['served', ...request.body])).start();
  closers.push(() => made.close());
  return made;
}

function client(endpoint: string, curve: CurveClientOptions | undefined, timeoutMs = 5_000): Client {
  const made = new Client({ brokers: [endpoint], timeoutMs, curve });
  closers.push(() => made.close());
  return made;
}

describe('CURVE on the broker socket, with an allow-list (ZAP)', () => {
  it('serves a worker and a client whose keys are allowed, over encrypted TCP', async () => {
    h = await startHarness({ curve: { ...server, allow: [alice.publicKey, bob.publicKey] } });
    const service = uniqueName('secure');
    worker(h.endpoint, service, keysOf(alice));
    expect(text(await client(h.endpoint, keysOf(bob)).requestFinal(service, 'hello'))).toEqual(['served', 'hello']);
    expect(h.broker.stats()).toMatchObject({ requests: 1, replies: 1, peersRefused: 0, handshakeFailures: 0 });
  });

  it('refuses a client whose key is not allowed: AUTH_FAILED at once, counted and logged by the broker', async () => {
    const logger = recordingLogger();
    h = await startHarness({ curve: { ...server, allow: [alice.publicKey] }, logger });
    const service = uniqueName('secure');
    worker(h.endpoint, service, keysOf(alice));
    const started = Date.now();
    await expect(client(h.endpoint, keysOf(mallory), 5_000).requestFinal(service, 'let me in')).rejects.toMatchObject({
      code: 'AUTH_FAILED',
      retryable: false,
      message: expect.stringContaining("add curve.publicKey to the broker's curve.allow"),
    });
    expect(Date.now() - started).toBeLessThan(4_000);
    await waitFor(() => h?.broker.stats().peersRefused === 1);
    expect(h.broker.stats()).toMatchObject({ requests: 0 });
    expect(logger.warnings).toContainEqual(expect.objectContaining({ obj: expect.objectContaining({ key: mallory.publicKey }) }));
    // the allowed peers are not disturbed
    expect(text(await client(h.endpoint, keysOf(alice)).requestFinal(service, 'x'))).toEqual(['served', 'x']);
  });

  it('never registers a worker whose key is not allowed; the broker counts it and the worker says why', async () => {
    const brokerLog = recordingLogger();
    const workerLog = recordingLogger();
    h = await startHarness({ curve: { ...server, allow: [alice.publicKey] }, logger: brokerLog });
    const service = uniqueName('intruder');
    worker(h.endpoint, service, keysOf(mallory), workerLog);
    await waitFor(() => h?.broker.stats().peersRefused === 1);
    await waitFor(() => workerLog.warnings.some((w) => w.msg?.includes('refused this worker')));
    const alices = client(h.endpoint, keysOf(alice));
    expect(text(await alices.requestFinal('mmi.service', service))).toEqual(['404']);
    expect(h.broker.stats()).toMatchObject({ workers: 0 });
    expect(brokerLog.warnings).toContainEqual(expect.objectContaining({ obj: expect.objectContaining({ key: mallory.publicKey }) }));
  });

  it('does not let a plain (non-CURVE) worker or client talk to a CURVE broker', async () => {
    h = await startHarness({ curve: { ...server, allow: [alice.publicKey] } });
    const service = uniqueName('plain');
    worker(h.endpoint, service, undefined);
    await expect(client(h.endpoint, undefined, 500).requestFinal('mmi.service', service)).rejects.toMatchObject({ code: 'TIMEOUT' });
    await waitFor(() => (h?.broker.stats().handshakeFailures ?? 0) >= 2);
    expect(text(await client(h.endpoint, keysOf(alice)).requestFinal('mmi.service', service))).toEqual(['404']);
    expect(h.broker.stats()).toMatchObject({ workers: 0, requests: 1, peersRefused: 0 });
  });

  it('a client with the wrong server key times out, and the timeout names the failed handshake', async () => {
    h = await startHarness({ curve: server });
    const wrongServer = { ...keysOf(alice), serverKey: bob.publicKey };
    await expect(client(h.endpoint, wrongServer, 500).requestFinal('mmi.service', 'x')).rejects.toMatchObject({
      code: 'TIMEOUT',
      message: expect.stringContaining('CURVE handshake with the broker failed'),
    });
    expect(h.broker.stats().handshakeFailures).toBeGreaterThan(0);
  });
});

describe('CURVE without an allow-list', () => {
  it('serves any peer that knows the broker public key, whatever its own key', async () => {
    h = await startHarness({ curve: server });
    const service = uniqueName('open');
    worker(h.endpoint, service, keysOf(generateCurveKeyPair()));
    expect(text(await client(h.endpoint, keysOf(generateCurveKeyPair())).requestFinal(service, 'hi'))).toEqual(['served', 'hi']);
    expect(h.broker.stats()).toMatchObject({ peersRefused: 0, handshakeFailures: 0 });
  });
});

describe('CURVE through the transport', () => {
  it('an allowed MdpTransport endpoint delivers; a refused one fails start with AUTH_FAILED', async () => {
    h = await startHarness({ curve: { ...server, allow: [alice.publicKey, bob.publicKey] } });
    const received: Buffer[] = [];
    const start = async (pair: { publicKey: string; secretKey: string }): Promise<MdpTransport> => {
      const transport = new MdpTransport({ broker: h?.endpoint ?? '', ...FAST, reconnectDelayMs: 50, startTimeoutMs: 5_000, curve: keysOf(pair) });
      closers.push(() => transport.close());
      await transport.start({ endpoint: uniqueName('ep'), receive: async (batch) => void received.push(...batch.map((m) => m.bytes)), logger: silentLogger });
      return transport;
    };
    const a = await start(alice);
    const b = await start(bob);
    const batch = messages({ type: 'endpoint', address: b.address }, 2);
    expect(await a.send(batch)).toEqual([{ ok: true }, { ok: true }]);
    expect(received).toEqual(batch.map((m) => m.bytes));
    await expect(start(mallory)).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });
});

describe('CURVE options', () => {
  const bad = 'not-a-z85-key';
  const badChars = `${server.publicKey.slice(0, 39)}"`;
  it.each([
    ['Broker curve.secretKey', () => new Broker({ bind: 'tcp://127.0.0.1:0', curve: { publicKey: server.publicKey, secretKey: bad } }), 'curve.secretKey'],
    ['Broker curve.allow.1', () => new Broker({ bind: 'tcp://127.0.0.1:0', curve: { ...server, allow: [alice.publicKey, badChars] } }), 'curve.allow.1'],
    ['Worker curve.serverKey', () => new Worker({ broker: 'tcp://127.0.0.1:1', service: 's', curve: { ...alice, serverKey: bad } }), 'curve.serverKey'],
    ['Client curve.publicKey', () => new Client({ brokers: ['tcp://127.0.0.1:1'], curve: { ...keysOf(alice), publicKey: badChars } }), 'curve.publicKey'],
    ['Client curve without serverKey', () => new Client({ brokers: ['tcp://127.0.0.1:1'], curve: { ...alice } as never }), 'curve.serverKey'],
    ['MdpTransport curve.secretKey', () => new MdpTransport({ broker: 'tcp://127.0.0.1:1', curve: { ...keysOf(alice), secretKey: bad } }), 'curve.secretKey'],
    ['Titanic curve.serverKey', () => new Titanic({ broker: 'tcp://127.0.0.1:1', store: { batch() {}, get() {} } as never, curve: { ...alice, serverKey: bad } }), 'curve.serverKey'],
  ])('%s: INVALID_CONFIG naming the field', (_name, make, field) => {
    expect(make).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', details: { field }, message: expect.stringContaining(field) }));
  });
});
