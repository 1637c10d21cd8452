import { uniqueName, waitFor } from '@resolute/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, text, type Harness } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('Broker with Resolute workers and clients (18/MDP v0.2)', () => {
  it('relays a request to a worker and its partial replies, in order, then the final one', async () => {
    h = await startHarness();
    const service = uniqueName('count');
    h.worker(service, (request, reply) => {
      const n = Number(request.body[0]?.toString());
      for (let i = 1; i <= n; i += 1) reply.write(String(i));
      reply.end('done');
    });
    const response = h.client().request(service, '5');
    const partials: string[] = [];
    for await (const frames of response) partials.push(...text(frames));
    expect(partials).toEqual(['1', '2', '3', '4', '5']);
    expect(text(await response.final)).toEqual(['done']);
    expect(h.broker.stats()).toMatchObject({ requests: 1, replies: 1, partials: 5, invalidMessages: 0 });
  });

  it('carries multi-frame binary bodies unchanged', async () => {
    h = await startHarness();
    const service = uniqueName('echo');
    h.worker(service, (request, reply) => reply.end(request.body));
    const body = [Buffer.from([0, 1, 2, 255]), Buffer.alloc(0), Buffer.from('x')];
    expect(await h.client().requestFinal(service, body)).toEqual(body);
  });

  it('dispatches to the least recently used worker', async () => {
    h = await startHarness();
    const service = uniqueName('lru');
    const names = ['a', 'b', 'c'];
    for (const name of names) h.worker(service, (_request, reply) => reply.end(name));
    await waitFor(() => h?.broker.stats().workers === 3);
    const client = h.client();
    const served: string[] = [];
    for (let i = 0; i < 6; i += 1) served.push(...text(await client.requestFinal(service, 'x')));
    expect(served.slice(0, 3).sort()).toEqual(names);
    expect(served.slice(3)).toEqual(served.slice(0, 3));
  });

  it('serves requests in parallel with a concurrency option', async () => {
    h = await startHarness();
    const service = uniqueName('slow');
    let running = 0;
    let peak = 0;
    const worker = h.worker(
      service,
      async (_request, reply) => {
        running += 1;
        peak = Math.max(peak, running);
        await waitFor(() => peak >= 4 || undefined, { timeoutMs: 2_000 }).catch(() => undefined);
        running -= 1;
        reply.end('ok');
      },
      { concurrency: 4 },
    );
    await waitFor(() => h?.broker.stats().workers === 4);
    const client = h.client();
    const replies = await Promise.all([1, 2, 3, 4].map(() => client.requestFinal(service, 'x')));
    expect(replies.map(text)).toEqual([['ok'], ['ok'], ['ok'], ['ok']]);
    expect(peak).toBe(4);
    expect(worker.served).toBe(4);
  });

  it('queues a request for a service without workers until one registers', async () => {
    h = await startHarness();
    const service = uniqueName('late');
    const pending = h.client().requestFinal(service, 'hi');
    await waitFor(() => h?.broker.stats().queuedRequests === 1);
    h.worker(service, (request, reply) => reply.end(['late:', ...request.body]));
    expect(text(await pending)).toEqual(['late:', 'hi']);
  });

  it('expires a queued request after requestExpiryMs and counts it; the client reports TIMEOUT', async () => {
    h = await startHarness({ requestExpiryMs: 150 });
    const service = uniqueName('nobody');
    const failed = h.client({ timeoutMs: 600 }).requestFinal(service, 'hi');
    await expect(failed).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(h.broker.stats()).toMatchObject({ requestsExpired: 1, queuedRequests: 0 });
    // the worker that registers afterwards is not handed the expired request
    const worker = h.worker(service, (_request, reply) => reply.end('x'));
    await waitFor(() => h?.broker.stats().workers === 1);
    expect(worker.served).toBe(0);
  });

  it('answers 8/MMI: mmi.service 200 or 404, other mmi.* 501', async () => {
    h = await startHarness();
    const service = uniqueName('known');
    h.worker(service, (_request, reply) => reply.end('x'));
    await waitFor(() => h?.broker.stats().workers === 1);
    const client = h.client();
    expect(text(await client.requestFinal('mmi.service', service))).toEqual(['200']);
    expect(text(await client.requestFinal('mmi.service', uniqueName('unknown')))).toEqual(['404']);
    expect(text(await client.requestFinal('mmi.echo', 'x'))).toEqual(['501']);
  });

  it('raises a rejected request at the client as REMOTE_ERROR with the remote code', async () => {
    h = await startHarness();
    const service = uniqueName('fails');
    h.worker(service, (request, reply) => {
      if (request.body[0]?.toString() === 'throw') throw new Error('handler blew up');
      reply.reject(Object.assign(new Error('price unknown'), { code: 'NO_PRICE' }));
    });
    const client = h.client();
    await expect(client.requestFinal(service, 'reject')).rejects.toMatchObject({ code: 'REMOTE_ERROR', details: { remoteCode: 'NO_PRICE' } });
    await expect(client.requestFinal(service, 'throw')).rejects.toMatchObject({ code: 'REMOTE_ERROR', message: expect.stringContaining('blew up') });
    // iteration surfaces the same failure
    await expect(async () => {
      for await (const _ of client.request(service, 'reject')) void _;
    }).rejects.toMatchObject({ code: 'REMOTE_ERROR' });
  });

  it('times out and aborts requests at the client', async () => {
    h = await startHarness();
    const service = uniqueName('stuck');
    h.worker(service, () => new Promise<void>(() => undefined), { drainTimeoutMs: 0 });
    const client = h.client();
    await expect(client.requestFinal(service, 'x', { timeoutMs: 200 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    const controller = new AbortController();
    const aborted = client.requestFinal(uniqueName('other'), 'x', { signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('validates options at construction, naming the field', async () => {
    const { Broker, Client, Worker } = await import('../src/index.js');
    expect(() => new Broker({ bind: 'localhost:1' })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringContaining('bind') }));
    expect(() => new Worker({ broker: 'tcp://127.0.0.1:1', service: 'mmi.x' })).toThrow(expect.objectContaining({ message: expect.stringContaining('service') }));
    expect(() => new Client({ brokers: [] })).toThrow(expect.objectContaining({ message: expect.stringContaining('brokers') }));
  });
});
