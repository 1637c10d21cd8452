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

/** A 7/MDP v0.1 worker written by hand: DEALER with the empty delimiter, READY, then REPLY to each REQUEST. */
async function v1Worker(endpoint: string, service: string, tag: string): Promise<RawPeer> {
  const worker = RawPeer.dealer(endpoint);
  peers.push(worker);
  await worker.send(['', 'MDPW01', [1], service]);
  let seen = 0;
  // This loop outlives its test: afterEach closes the worker, possibly between a HEARTBEAT arriving and the answer
  // to it. That answer then fails (EBADF, or EAGAIN for a send the close cut short) and is dropped; nothing else is.
  const answer = (frames: Array<Buffer | string | number[]>): Promise<void> =>
    worker.send(frames).catch((error: unknown) => {
      if (!worker.socket.closed) throw error;
    });
  void (async () => {
    while (!worker.socket.closed) {
      await waitFor(() => worker.received.length > seen || worker.socket.closed, { timeoutMs: 60_000 }).catch(() => undefined);
      for (; seen < worker.received.length && !worker.socket.closed; seen += 1) {
        const [empty, header, command, client, delimiter, ...body] = worker.received[seen] as Buffer[];
        if (empty?.length !== 0 || !header?.equals(Buffer.from('MDPW01'))) continue;
        if (command?.[0] === 0x04) await answer(['', 'MDPW01', [4]]);
        if (command?.[0] === 0x02 && client && delimiter?.length === 0) await answer(['', 'MDPW01', [3], client, '', tag, ...body]);
      }
    }
  })();
  return worker;
}

describe('7/MDP v0.1 and 18/MDP v0.2 peers through one broker', () => {
  it('serves a raw v0.1 REQ client and a v0.2 client from the same pool of v0.1 and v0.2 workers', async () => {
    h = await startHarness();
    const service = uniqueName('mixed');
    await v1Worker(h.endpoint, service, 'v1-worker');
    h.worker(service, (request, reply) => {
      reply.write('partial');
      reply.end(['v2-worker', ...request.body]);
    });
    await waitFor(() => h?.broker.stats().workers === 2);

    const req = RawPeer.request(h.endpoint);
    peers.push(req);
    const v2 = h.client();
    const fromV1: string[][] = [];
    const fromV2: string[][] = [];
    for (let i = 0; i < 2; i += 1) {
      await req.send(['MDPC01', service, `q${i}`]);
      await waitFor(() => req.received.length === i + 1);
      fromV1.push(text(req.received[i] as Buffer[]));
      fromV2.push(text(await v2.requestFinal(service, `r${i}`)));
    }
    // The REQ client sees ["MDPC01", service, body...]; its socket strips the empty delimiter.
    for (const reply of fromV1) expect(reply.slice(0, 2)).toEqual(['MDPC01', service]);
    const servedBy = [...fromV1.map((r) => r[2]), ...fromV2.map((r) => r[0])];
    expect(servedBy.sort()).toEqual(['v1-worker', 'v1-worker', 'v2-worker', 'v2-worker']);
    // The v0.2 worker's PARTIAL is not forwarded to the v0.1 client (v0.1 has no PARTIAL): one reply per request.
    expect(req.received).toHaveLength(2);
    expect(req.received.every((frames) => frames.length >= 3 && frames[0]?.toString() === 'MDPC01')).toBe(true);
  });

  it('sends a v0.1 worker REQUEST and HEARTBEAT byte for byte', async () => {
    h = await startHarness();
    const service = uniqueName('bytes1');
    const worker = RawPeer.dealer(h.endpoint);
    peers.push(worker);
    await worker.send(['', 'MDPW01', [1], service]);
    await waitFor(() => h?.broker.stats().workers === 1);
    await waitFor(() => worker.hex().some((frames) => frames.join() === ['', '4d4450573031', '04'].join()));
    const reply = h.client().requestFinal(service, 'q');
    const request = await waitFor(() => worker.received.find((frames) => frames[2]?.[0] === 0x02));
    expect(request.map((f, i) => (i === 3 ? 'client' : f.toString('hex')))).toEqual(['', '4d4450573031', '02', 'client', '', '71']);
    await worker.send(['', 'MDPW01', [3], request[3] as Buffer, '', 'a']);
    expect(text(await reply)).toEqual(['a']);
  });

  it('answers MMI to a v0.1 client', async () => {
    h = await startHarness();
    const req = RawPeer.request(h.endpoint);
    peers.push(req);
    await req.send(['MDPC01', 'mmi.service', uniqueName('none')]);
    await waitFor(() => req.received.length === 1);
    expect(text(req.received[0] as Buffer[])).toEqual(['MDPC01', 'mmi.service', '404']);
  });
});
