import { MemorySpace, MemoryStore, ResoluteError, type StoreOperation } from '@resolute/core';
import { uniqueName, waitFor } from '@resolute/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { Titanic, TITANIC_NAMESPACES, TitanicClient, type TitanicOptions } from '../src/index.js';
import { FAST, startHarness, text, type Harness } from './helpers.js';

let h: Harness | undefined;
const titans: Titanic[] = [];
afterEach(async () => {
  for (const titanic of titans.splice(0)) await titanic.close();
  await h?.close();
  h = undefined;
});

const QUICK = { ...FAST, reconnectDelayMs: 50, requestTimeoutMs: 500, retry: { initialDelayMs: 20, maxDelayMs: 200 } } as const;

async function titanic(harness: Harness, store: TitanicOptions['store'], extra: Partial<TitanicOptions> = {}): Promise<Titanic> {
  const before = harness.broker.stats().workers;
  const started = await new Titanic({ broker: harness.endpoint, store, ...QUICK, ...extra }).start();
  titans.push(started);
  // three services, workerConcurrency (4) connections each
  await waitFor(() => harness.broker.stats().workers >= before + 3 * 4);
  return started;
}

describe('Titanic (9/TSP) with a broker in process', () => {
  it('stores a request before answering 200 + UUID; 300 while pending, 200 + reply when done, 400 once closed', async () => {
    h = await startHarness();
    const store = new MemoryStore();
    await titanic(h, store);
    const tsp = new TitanicClient(h.client());
    const service = uniqueName('echo');

    const id = await tsp.request(service, ['hello', 'world']);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(await store.get(TITANIC_NAMESPACES.requests, id)).toBeDefined();
    expect(await tsp.reply(id)).toEqual({ status: 'pending' });

    h.worker(service, (request, reply) => reply.end(['echo', ...request.body]));
    expect(text(await tsp.waitForReply(id, { pollIntervalMs: 20 }))).toEqual(['echo', 'hello', 'world']);
    // idempotent until closed
    expect(await tsp.reply(id.toUpperCase())).toMatchObject({ status: 'ok' });
    await tsp.close(id);
    expect(await tsp.reply(id)).toEqual({ status: 'unknown' });
    await tsp.close(id);
    expect(await store.count(TITANIC_NAMESPACES.requests)).toBe(0);
    expect(await store.count(TITANIC_NAMESPACES.replies)).toBe(0);
  });

  it('answers 400 to malformed TSP requests, without storing anything', async () => {
    h = await startHarness();
    const store = new MemoryStore();
    const t = await titanic(h, store);
    const client = h.client();
    const status = async (service: string, body: string[]): Promise<string> => text(await client.requestFinal(service, body))[0]?.slice(0, 3) ?? '';
    expect(await status('titanic.request', ['only-a-service'])).toBe('400');
    expect(await status('titanic.request', ['titanic.reply', 'x'])).toBe('400');
    expect(await status('titanic.request', ['mmi.service', 'x'])).toBe('400');
    expect(await status('titanic.reply', ['not-a-uuid'])).toBe('400');
    expect(await status('titanic.reply', ['0'.repeat(32), 'extra'])).toBe('400');
    expect(await status('titanic.close', ['zz'.repeat(16)])).toBe('400');
    expect(await status('titanic.reply', ['0'.repeat(32)])).toBe('400');
    expect(await status('titanic.close', ['0'.repeat(32)])).toBe('200');
    expect(t.stats()).toMatchObject({ requestsStored: 0, refused: 6 });
    expect(await store.count(TITANIC_NAMESPACES.requests)).toBe(0);
  });

  it('retries a request whose attempt timed out, with backoff, until the service answers', async () => {
    h = await startHarness();
    const t = await titanic(h, new MemoryStore());
    const service = uniqueName('flaky');
    let calls = 0;
    // The first attempt hangs until the retry arrives (on the worker's second connection), then answers too late:
    // Titanic's client cancelled it at its timeout, so that answer is dropped and counted as abandoned.
    const worker = h.worker(
      service,
      async (_request, reply) => {
        const call = (calls += 1);
        if (call === 1) await waitFor(() => calls >= 2, { timeoutMs: 10_000 });
        reply.end(`answer ${call}`);
      },
      { concurrency: 2 },
    );
    await waitFor(() => h?.broker.stats().workers === 3 * 4 + 2);
    const tsp = new TitanicClient(h.client());
    const id = await tsp.request(service, 'q');
    expect(text(await tsp.waitForReply(id, { pollIntervalMs: 20 }))).toEqual(['answer 2']);
    expect(t.stats()).toMatchObject({ attempts: 2, retries: 1, repliesStored: 1, pending: 0 });
    await waitFor(() => worker.served === 1 && worker.abandoned === 1);
    expect(h.broker.stats().requestsCancelled).toBe(1);
  });

  it('stores a rejected request as its reply, verbatim; waitForReply raises it as REMOTE_ERROR', async () => {
    h = await startHarness();
    await titanic(h, new MemoryStore());
    const service = uniqueName('refuses');
    h.worker(service, (_request, reply) => reply.reject(Object.assign(new Error('no such price'), { code: 'NO_PRICE' })));
    const tsp = new TitanicClient(h.client());
    const id = await tsp.request(service, 'q');
    await expect(tsp.waitForReply(id, { pollIntervalMs: 20 })).rejects.toMatchObject({ code: 'REMOTE_ERROR', details: { remoteCode: 'NO_PRICE' } });
    const stored = await tsp.reply(id);
    expect(stored.status === 'ok' && stored.body.length).toBe(2);
  });

  it('finds pending requests again after a restart on the same store, and keeps stored replies', async () => {
    h = await startHarness();
    const space = new MemorySpace();
    const first = await titanic(h, new MemoryStore({ space }));
    const tsp = new TitanicClient(h.client());
    const service = uniqueName('later');
    const ids = [await tsp.request(service, '1'), await tsp.request(service, '2')];
    await waitFor(() => first.stats().retries >= 1);
    await first.close();
    await waitFor(() => h?.broker.stats().workers === 0);

    const second = await titanic(h, new MemoryStore({ space }));
    expect(second.stats().pending).toBe(2);
    h.worker(service, (request, reply) => reply.end(['done', ...request.body]));
    expect(text(await tsp.waitForReply(ids[0]!, { pollIntervalMs: 20 }))).toEqual(['done', '1']);
    expect(text(await tsp.waitForReply(ids[1]!, { pollIntervalMs: 20 }))).toEqual(['done', '2']);
    await second.close();
    await waitFor(() => h?.broker.stats().workers === 1);

    const third = await titanic(h, new MemoryStore({ space }));
    expect(third.stats().pending).toBe(0);
    expect(text(await tsp.waitForReply(ids[0]!))).toEqual(['done', '1']);
  });

  it('titanic.close cancels a pending request: it is never sent to the service', async () => {
    h = await startHarness();
    const t = await titanic(h, new MemoryStore());
    const tsp = new TitanicClient(h.client());
    const service = uniqueName('cancelled');
    const doomed = await tsp.request(service, 'doomed');
    await waitFor(() => t.stats().retries >= 1);
    await tsp.close(doomed);
    const bodies: string[] = [];
    const worker = h.worker(service, (request, reply) => {
      bodies.push(...text(request.body));
      reply.end('ok');
    });
    const barrier = await tsp.request(service, 'barrier');
    await tsp.waitForReply(barrier, { pollIntervalMs: 20 });
    expect(bodies).toEqual(['barrier']);
    expect(worker.served).toBe(1);
    expect(t.stats().pending).toBe(0);
  });

  it('answers 500 when the store fails; the client reports it as UNREACHABLE (retryable)', async () => {
    h = await startHarness();
    class FailingStore extends MemoryStore {
      failing = false;
      override batch(operations: readonly StoreOperation[]): Promise<void> {
        if (this.failing) return Promise.reject(new ResoluteError('STORE_IO', 'disk on fire'));
        return super.batch(operations);
      }
    }
    const store = new FailingStore();
    await titanic(h, store);
    store.failing = true;
    const tsp = new TitanicClient(h.client());
    await expect(tsp.request(uniqueName('x'), 'q')).rejects.toMatchObject({ code: 'UNREACHABLE', retryable: true });
    store.failing = false;
    await expect(tsp.request(uniqueName('x'), 'q')).resolves.toMatch(/^[0-9a-f]{32}$/);
  });

  it('validates its options at construction, naming the field', () => {
    const store = new MemoryStore();
    expect(() => new Titanic({ broker: 'localhost:1', store })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringContaining('broker') }));
    expect(() => new Titanic({ broker: 'tcp://127.0.0.1:1', store, retry: { initialDelay: 5 } as never })).toThrow(
      expect.objectContaining({ details: { field: 'retry.initialDelay' } }),
    );
    expect(() => new Titanic({ broker: 'tcp://127.0.0.1:1', store: undefined as never })).toThrow(expect.objectContaining({ details: { field: 'store' } }));
  });
});
