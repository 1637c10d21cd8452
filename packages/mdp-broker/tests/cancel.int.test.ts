import { uniqueName, waitFor } from '@resolute/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { Dealer, Router } from 'zeromq';
import { Client, encodeReadyV1, encodeReadyV2, MDPW01, MDPW02, type ReplyStream } from '../src/index.js';
import { startHarness, text, type Harness } from './helpers.js';
import { RawPeer } from './raw-peer.js';

let h: Harness | undefined;
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
  await h?.close();
  h = undefined;
});

/** A handler that holds each request until its reply.signal aborts, and records why; 'quick' bodies are answered at once. */
function holding(): { handler: (request: { body: Buffer[] }, reply: ReplyStream) => Promise<void>; seen: string[]; aborted: unknown[] } {
  const seen: string[] = [];
  const aborted: unknown[] = [];
  return {
    seen,
    aborted,
    handler: async (request, reply) => {
      const body = request.body[0]?.toString() ?? '';
      seen.push(body);
      if (body.startsWith('quick')) return reply.end(['done', body]);
      await new Promise<void>((resolve) => reply.signal.addEventListener('abort', () => resolve(), { once: true }));
      aborted.push(reply.signal.reason);
      reply.end('too late'); // dropped: the request is gone
    },
  };
}

describe('cancellation of abandoned requests (mmi.resolute.cancel)', () => {
  it('a client timeout aborts the worker handler signal; the worker reconnects and serves the next request', async () => {
    h = await startHarness();
    const service = uniqueName('slow');
    const work = holding();
    const worker = h.worker(service, work.handler);
    const client = h.client();
    await expect(client.requestFinal(service, 'expensive', { timeoutMs: 300 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    await waitFor(() => work.aborted.length === 1);
    expect(work.aborted[0]).toMatchObject({ code: 'ABORTED', message: expect.stringContaining('can no longer be delivered') });
    expect(h.broker.stats()).toMatchObject({ requestsCancelled: 1, requestsRequeued: 0 });
    expect(client.stats().cancelsSent).toBe(1);
    expect(text(await client.requestFinal(service, 'quick'))).toEqual(['done', 'quick']);
    expect(worker.abandoned).toBe(1);
    expect(worker.served).toBe(1);
    expect(work.seen).toEqual(['expensive', 'quick']);
  });

  it('an AbortSignal at the client does the same', async () => {
    h = await startHarness();
    const service = uniqueName('slow');
    const work = holding();
    h.worker(service, work.handler);
    const controller = new AbortController();
    const pending = h.client().requestFinal(service, 'expensive', { signal: controller.signal });
    await waitFor(() => work.seen.length === 1);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
    await waitFor(() => work.aborted.length === 1);
    expect(h.broker.stats().requestsCancelled).toBe(1);
  });

  it('a request still queued for a worker is dropped, so a worker that registers later never runs it', async () => {
    h = await startHarness();
    const service = uniqueName('later');
    const controller = new AbortController();
    const client = h.client();
    const pending = client.requestFinal(service, 'stale', { signal: controller.signal });
    await waitFor(() => h?.broker.stats().queuedRequests === 1);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
    await waitFor(() => h?.broker.stats().requestsCancelled === 1);
    expect(h.broker.stats().queuedRequests).toBe(0);
    const work = holding();
    h.worker(service, work.handler);
    expect(text(await client.requestFinal(service, 'quick-fresh'))).toEqual(['done', 'quick-fresh']);
    expect(work.seen).toEqual(['quick-fresh']);
  });

  it('with cancelAbandoned: false the worker is not told and finishes the abandoned request', async () => {
    h = await startHarness();
    const service = uniqueName('slow');
    let release: () => void = () => undefined;
    let signal: AbortSignal | undefined;
    const worker = h.worker(service, async (_request, reply) => {
      signal = reply.signal;
      await new Promise<void>((resolve) => (release = resolve));
      reply.end('late');
    });
    const client = h.client({ cancelAbandoned: false });
    await expect(client.requestFinal(service, 'x', { timeoutMs: 200 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    release();
    await waitFor(() => worker.served === 1);
    expect(signal?.aborted).toBe(false);
    expect(client.stats().cancelsSent).toBe(0);
    expect(h.broker.stats()).toMatchObject({ requestsCancelled: 0, replies: 1 });
  });

  it.each([
    ['18/MDP v0.2', encodeReadyV2, MDPW02, 0, 0x06],
    ['7/MDP v0.1', encodeReadyV1, MDPW01, 1, 0x05],
  ])('withdraws the request from a non-Resolute %s worker with DISCONNECT, the one command it already knows', async (_name, ready, header, offset, disconnect) => {
    h = await startHarness({ heartbeatIntervalMs: 10_000 });
    const service = uniqueName('foreign');
    const worker = RawPeer.dealer(h.endpoint);
    cleanup.push(() => worker.close());
    await worker.send(ready(service));
    await waitFor(() => h?.broker.stats().workers === 1);
    await expect(h.client().requestFinal(service, 'x', { timeoutMs: 200 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    // the worker got the REQUEST, then DISCONNECT; the broker forgot it (18/MDP: it reconnects on a new socket)
    await waitFor(() => worker.received.some((frames) => frames[offset]?.equals(header) && frames[offset + 1]?.[0] === disconnect));
    expect(h.broker.stats()).toMatchObject({ requestsCancelled: 1, workers: 0, requestsRequeued: 0 });
  });

  it('answers 400 and 404, and drops a request that arrives after its cancel', async () => {
    h = await startHarness();
    const service = uniqueName('race');
    const work = holding();
    h.worker(service, work.handler);
    const client = h.client();
    expect(text(await client.requestFinal('mmi.resolute.cancel', ['a', 'b']))).toEqual(['400']);
    expect(text(await client.requestFinal('mmi.resolute.cancel', 'nobody'))).toEqual(['404']);
    // a cancel that overtakes its request (they travel on different connections)
    expect(text(await client.requestFinal('mmi.resolute.cancel', 'early-bird'))).toEqual(['404']);
    const early = new RawPeer(new Dealer({ linger: 0, routingId: 'early-bird' }), h.endpoint);
    cleanup.push(() => early.close());
    await early.send(['MDPC02', [1], service, 'quick-stale']);
    await waitFor(() => h?.broker.stats().requestsCancelled === 1);
    expect(text(await client.requestFinal(service, 'quick-next'))).toEqual(['done', 'quick-next']);
    expect(work.seen).toEqual(['quick-next']);
    expect(early.received).toEqual([]);
  });

  it('a broker that does not know the extension answers 501 (8/MMI) and the client just reports its timeout', async () => {
    // A stand-in for another MMI broker: it never answers requests, and answers any mmi.* with 501.
    const router = new Router({ linger: 0 });
    await router.bind('tcp://127.0.0.1:0');
    const seen: Array<{ identity: string; service: string; body: string[] }> = [];
    const serving = (async () => {
      for await (const [identity, , , service, ...body] of router) {
        seen.push({ identity: String(identity), service: String(service), body: body.map(String) });
        if (String(service).startsWith('mmi.')) await router.send([identity as Buffer, 'MDPC02', Buffer.from([3]), service as Buffer, '501']);
      }
    })().catch(() => undefined);
    cleanup.push(async () => {
      router.close();
      await serving;
    });
    const client = new Client({ brokers: [router.lastEndpoint as string], timeoutMs: 200 });
    cleanup.push(() => client.close());
    await expect(client.requestFinal('pricing', 'x')).rejects.toMatchObject({ code: 'TIMEOUT' });
    await waitFor(() => seen.length === 2);
    const [request, cancel] = seen as [(typeof seen)[0], (typeof seen)[0]];
    expect(cancel).toMatchObject({ service: 'mmi.resolute.cancel', body: [request.identity] });
    expect(request.identity).toMatch(/^[0-9a-f]{32}$/);
    // the cancel's own socket was answered and pooled: the client still works
    await expect(client.requestFinal('mmi.service', 'pricing')).resolves.toEqual([Buffer.from('501')]);
  });
});

describe('reply.signal when the worker side gives up', () => {
  it('aborts when the worker closes and stops waiting for the handler (drainTimeoutMs)', async () => {
    h = await startHarness();
    const service = uniqueName('closing');
    const work = holding();
    const worker = h.worker(service, work.handler, { drainTimeoutMs: 100 });
    const pending = h.client({ cancelAbandoned: false }).requestFinal(service, 'x', { timeoutMs: 500 });
    await waitFor(() => work.seen.length === 1);
    await worker.close();
    expect(work.aborted[0]).toMatchObject({ code: 'ABORTED', message: expect.stringContaining('closing') });
    await expect(pending).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('aborts when the broker disconnects the worker on close', async () => {
    h = await startHarness({ drainTimeoutMs: 100 });
    const service = uniqueName('brokerclose');
    const work = holding();
    h.worker(service, work.handler);
    void h.client({ cancelAbandoned: false }).requestFinal(service, 'x', { timeoutMs: 2_000 }).catch(() => undefined);
    await waitFor(() => work.seen.length === 1);
    await h.broker.close();
    await waitFor(() => work.aborted.length === 1);
  });
});
