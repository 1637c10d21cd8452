import { uniqueName, waitFor } from '@resolute/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, type RequestHandler } from '../src/index.js';
import { startHarness, text, type Harness } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A worker that answers [service call count, ...body], so a reply shows which call made it. */
function counting(): { handler: RequestHandler; calls: () => number } {
  let calls = 0;
  return {
    calls: () => calls,
    handler: (request, reply) => {
      calls += 1;
      reply.end([String(calls), ...request.body]);
    },
  };
}

describe('Client reply cache (cache: { ttlMs, maxEntries })', () => {
  it('answers a repeated cacheable request from the cache, without a round trip', async () => {
    h = await startHarness();
    const service = uniqueName('price');
    const worker = counting();
    h.worker(service, worker.handler);
    const client = h.client({ cache: { ttlMs: 60_000, maxEntries: 10 } });
    expect(text(await client.requestFinal(service, 'EURUSD', { cache: true }))).toEqual(['1', 'EURUSD']);
    expect(text(await client.requestFinal(service, 'EURUSD', { cache: true }))).toEqual(['1', 'EURUSD']);
    expect(worker.calls()).toBe(1);
    expect(h.broker.stats().requests).toBe(1);
    expect(client.stats()).toMatchObject({ cacheHits: 1, cacheMisses: 1, cachedReplies: 1 });
    // another body, another service, or a request not marked cacheable: a round trip
    expect(text(await client.requestFinal(service, 'GBPUSD', { cache: true }))).toEqual(['2', 'GBPUSD']);
    expect(text(await client.requestFinal(service, 'EURUSD'))).toEqual(['3', 'EURUSD']);
    expect(h.broker.stats().requests).toBe(3);
  });

  it('goes back to the worker once the cached reply is older than ttlMs', async () => {
    h = await startHarness();
    const service = uniqueName('ttl');
    const worker = counting();
    h.worker(service, worker.handler);
    const client = h.client({ cache: { ttlMs: 200, maxEntries: 10 } });
    await client.requestFinal(service, 'q', { cache: true });
    // polled, not slept: each call is a hit until the entry expires, then one miss refills it
    const fresh = await waitFor(async () => {
      const [count] = text(await client.requestFinal(service, 'q', { cache: true }));
      return count === '2' ? count : undefined;
    });
    expect(fresh).toBe('2');
    expect(worker.calls()).toBe(2);
    expect(client.stats().cacheHits).toBeGreaterThan(0);
  });

  it('keeps at most maxEntries replies, dropping the least recently used', async () => {
    h = await startHarness();
    const service = uniqueName('lru');
    const worker = counting();
    h.worker(service, worker.handler);
    const client = h.client({ cache: { ttlMs: 60_000, maxEntries: 2 } });
    for (const body of ['a', 'b', 'a', 'c']) await client.requestFinal(service, body, { cache: true });
    expect(worker.calls()).toBe(3);
    expect(client.stats().cachedReplies).toBe(2);
    expect(text(await client.requestFinal(service, 'a', { cache: true }))).toEqual(['1', 'a']);
    expect(text(await client.requestFinal(service, 'b', { cache: true }))).toEqual(['4', 'b']);
  });

  it('never caches an error reply, and a hit carries no partials', async () => {
    h = await startHarness();
    const service = uniqueName('flaky');
    let calls = 0;
    h.worker(service, (request, reply) => {
      calls += 1;
      if (request.body[0]?.toString() === 'bad') throw new Error('no such instrument');
      reply.write('working');
      reply.end('ok');
    });
    const client = h.client({ cache: { ttlMs: 60_000, maxEntries: 10 } });
    for (let i = 0; i < 2; i += 1) await expect(client.requestFinal(service, 'bad', { cache: true })).rejects.toMatchObject({ code: 'REMOTE_ERROR' });
    await expect(client.requestFinal(service, 'bad', { cache: true, decodeErrors: false })).resolves.toHaveLength(2);
    expect(calls).toBe(3);

    const partialsOf = async (): Promise<string[]> => {
      const seen: string[] = [];
      for await (const frames of client.request(service, 'good', { cache: true })) seen.push(...text(frames));
      return seen;
    };
    expect(await partialsOf()).toEqual(['working']);
    expect(await partialsOf()).toEqual([]);
    expect(calls).toBe(4);
  });

  it('is off by default: cache: true then has no effect', async () => {
    h = await startHarness();
    const service = uniqueName('nocache');
    const worker = counting();
    h.worker(service, worker.handler);
    const client = h.client();
    await client.requestFinal(service, 'q', { cache: true });
    await client.requestFinal(service, 'q', { cache: true });
    expect(worker.calls()).toBe(2);
    expect(client.stats()).toMatchObject({ cacheHits: 0, cacheMisses: 0, cachedReplies: 0 });
  });

  it('refuses bad cache options with INVALID_CONFIG naming the field', () => {
    expect(() => new Client({ brokers: ['tcp://127.0.0.1:1'], cache: { ttlMs: 0, maxEntries: 1 } })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', details: { field: 'cache.ttlMs' } }));
    expect(() => new Client({ brokers: ['tcp://127.0.0.1:1'], cache: { ttlMs: 1_000, maxEntries: 1.5 } })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', details: { field: 'cache.maxEntries' } }));
  });
});
