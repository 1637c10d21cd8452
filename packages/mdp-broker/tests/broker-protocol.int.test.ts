import { uniqueName, waitFor } from '@resolute/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, text, type Harness } from './helpers.js';
import { RawPeer } from './raw-peer.js';

let h: Harness | undefined;
const peers: RawPeer[] = [];
afterEach(async () => {
  for (const peer of peers.splice(0)) await peer.close();
  await h?.close();
  h = undefined;
});

const raw = (endpoint: string): RawPeer => {
  const peer = RawPeer.dealer(endpoint);
  peers.push(peer);
  return peer;
};

const W2 = 'MDPW02';
const DISCONNECT_V2 = ['4d4450573032', '06'];
const HEARTBEAT_V2 = ['4d4450573032', '05'];

describe('Broker protocol handling (raw peers)', () => {
  it('drops and counts 10,002 invalid messages and keeps serving valid traffic', async () => {
    h = await startHarness();
    const service = uniqueName('ok');
    h.worker(service, (_request, reply) => reply.end('still here'));
    const junk = raw(h.endpoint);
    const garbage: Array<Array<Buffer | string | number[]>> = [
      ['hello'],
      ['MDPC02'],
      ['MDPC02', [9], service, 'x'],
      ['MDPC02', [1], [0, 1], 'x'],
      ['', 'MDPC01'],
      ['MDPX02', [1], service, 'x'],
    ];
    for (let round = 0; round < 1_667; round += 1) for (const frames of garbage) await junk.send(frames);
    await waitFor(() => h?.broker.stats().invalidMessages === 10_002, { message: () => JSON.stringify(h?.broker.stats()) });
    expect(text(await h.client().requestFinal(service, 'x'))).toEqual(['still here']);
    expect(junk.received).toEqual([]);
  });

  it('sends DISCONNECT to a worker that breaks the dialog, and forgets it', async () => {
    h = await startHarness();
    const beforeReady = raw(h.endpoint);
    await beforeReady.send([W2, [5]]);
    await waitFor(() => beforeReady.hex().length === 1);
    expect(beforeReady.hex()[0]).toEqual(DISCONNECT_V2);

    const twice = raw(h.endpoint);
    const service = uniqueName('twice');
    await twice.send([W2, [1], service]);
    await waitFor(() => h?.broker.stats().workers === 1);
    await twice.send([W2, [1], service]);
    await waitFor(() => twice.hex().some((frames) => frames[1] === '06'));
    expect(h.broker.stats()).toMatchObject({ workers: 0, protocolErrors: 2 });

    const idleFinal = raw(h.endpoint);
    await idleFinal.send([W2, [1], uniqueName('idle')]);
    await waitFor(() => h?.broker.stats().workers === 1);
    await idleFinal.send([W2, [4], 'nobody', '', 'x']);
    await waitFor(() => idleFinal.hex().some((frames) => frames[1] === '06'));
    expect(h.broker.stats()).toMatchObject({ workers: 0, protocolErrors: 3 });
  });

  it('heartbeats an idle worker and drops one that stays silent past the liveness window', async () => {
    h = await startHarness();
    const silent = raw(h.endpoint);
    await silent.send([W2, [1], uniqueName('silent')]);
    await waitFor(() => h?.broker.stats().workers === 1);
    await waitFor(() => silent.hex().some((frames) => frames.join() === HEARTBEAT_V2.join()));
    await waitFor(() => h?.broker.stats().workersExpired === 1, { timeoutMs: 2_000 });
    expect(h.broker.stats().workers).toBe(0);
  });

  it('keeps a worker that heartbeats alive', async () => {
    h = await startHarness();
    const alive = raw(h.endpoint);
    await alive.send([W2, [1], uniqueName('alive')]);
    const until = Date.now() + 800;
    while (Date.now() < until) {
      await alive.send([W2, [5]]);
      await waitFor(() => alive.received.length > 0, { timeoutMs: 500 });
      alive.received.length = 0;
    }
    expect(h.broker.stats()).toMatchObject({ workers: 1, workersExpired: 0 });
  });

  it('sends a v0.2 worker REQUEST byte for byte and relays its FINAL to the client', async () => {
    h = await startHarness();
    const service = uniqueName('bytes');
    const worker = raw(h.endpoint);
    await worker.send([W2, [1], service]);
    await waitFor(() => h?.broker.stats().workers === 1);
    const reply = h.client().requestFinal(service, [Buffer.from([0xca, 0xfe])]);
    const request = await waitFor(() => worker.received.find((frames) => frames[1]?.[0] === 0x02));
    expect(request.map((f, i) => (i === 2 ? 'client' : f.toString('hex')))).toEqual(['4d4450573032', '02', 'client', '', 'cafe']);
    await worker.send([W2, [4], request[2] as Buffer, '', 'served']);
    expect(text(await reply)).toEqual(['served']);
  });

  it('refuses client PARTIAL and FINAL commands as protocol errors', async () => {
    h = await startHarness();
    const client = raw(h.endpoint);
    await client.send(['MDPC02', [2], 'svc', 'x']);
    await client.send(['MDPC02', [3], 'svc', 'x']);
    await waitFor(() => h?.broker.stats().protocolErrors === 2);
    expect(client.received).toEqual([]);
  });
});
