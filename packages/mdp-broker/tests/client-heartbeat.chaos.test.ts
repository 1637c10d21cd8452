import { uniqueName, waitFor } from '@resolute/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReplyStream } from '../src/index.js';
import { FAST, startHarness, text, type Harness } from './helpers.js';
import { events, Processes, SCRIPTS } from './process-harness.js';

let h: Harness | undefined;
const processes = new Processes();
afterEach(async () => {
  await processes.killAll();
  await h?.close();
  h = undefined;
});

/** The broker's liveness window for a client heartbeating every FAST.heartbeatIntervalMs. */
const WINDOW_MS = FAST.heartbeatIntervalMs * FAST.heartbeatLiveness;

/** A handler that holds 'long' requests until reply.signal aborts (and records when), and answers others after `ms`. */
function holding(ms = 0): { handler: (request: { body: Buffer[] }, reply: ReplyStream) => Promise<void>; seen: string[]; abortedAt: number[] } {
  const seen: string[] = [];
  const abortedAt: number[] = [];
  return {
    seen,
    abortedAt,
    handler: async (request, reply) => {
      const body = request.body[0]?.toString() ?? '';
      seen.push(body);
      if (body !== 'long') {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return reply.end(['done', body]);
      }
      await new Promise<void>((resolve) => reply.signal.addEventListener('abort', () => resolve(), { once: true }));
      abortedAt.push(Date.now());
    },
  };
}

describe('client heartbeats (mmi.resolute.alive)', () => {
  it('a client process SIGKILLed mid-request: within the liveness window the worker handler sees reply.signal fire', async () => {
    h = await startHarness();
    const service = uniqueName('long');
    const work = holding();
    const worker = h.worker(service, work.handler);
    const client = await processes.started(SCRIPTS.client, [h.endpoint, service, String(FAST.heartbeatIntervalMs), 'long']);
    await waitFor(() => work.seen.length === 1, { timeoutMs: 10_000, message: () => client.stderr() });
    // Killed once the broker has heard from it (a client dying before its first heartbeat is not noticed).
    await waitFor(() => events(client, 'heartbeats').some((line) => Number(line.sent) >= 2), { timeoutMs: 5_000, message: () => client.stderr() });
    const killedAt = Date.now();
    await client.kill();
    await waitFor(() => work.abortedAt.length === 1, { timeoutMs: 5_000 });
    const latency = (work.abortedAt[0] ?? 0) - killedAt;
    // Window plus one broker tick plus the last heartbeat's age; generous for shared CI cores.
    expect(latency).toBeLessThan(WINDOW_MS + 1_500);
    expect(h.broker.stats()).toMatchObject({ clientsExpired: 1, requestsCancelled: 0, requestsRequeued: 0 });
    await waitFor(() => worker.abandoned === 1);
    // The worker comes back and serves others.
    expect(text(await h.client().requestFinal(service, 'next'))).toEqual(['done', 'next']);
  });

  it('a queued request from a client process SIGKILLed is dropped, so a worker that registers later never runs it', async () => {
    h = await startHarness();
    const service = uniqueName('later');
    const client = await processes.started(SCRIPTS.client, [h.endpoint, service, String(FAST.heartbeatIntervalMs), 'long']);
    await waitFor(() => h?.broker.stats().queuedRequests === 1, { timeoutMs: 10_000, message: () => client.stderr() });
    await waitFor(() => events(client, 'heartbeats').some((line) => Number(line.sent) >= 2), { timeoutMs: 5_000 });
    await client.kill();
    await waitFor(() => h?.broker.stats().clientsExpired === 1, { timeoutMs: 5_000 });
    expect(h.broker.stats().queuedRequests).toBe(0);
    const work = holding();
    h.worker(service, work.handler);
    expect(text(await h.client().requestFinal(service, 'fresh'))).toEqual(['done', 'fresh']);
    expect(work.seen).toEqual(['fresh']);
  });

  it('a healthy client keeps a request longer than the liveness window alive', async () => {
    h = await startHarness();
    const service = uniqueName('slow');
    const work = holding(WINDOW_MS * 4);
    const worker = h.worker(service, work.handler);
    const client = h.client({ heartbeatIntervalMs: FAST.heartbeatIntervalMs });
    expect(text(await client.requestFinal(service, 'slow'))).toEqual(['done', 'slow']);
    expect(client.stats().heartbeatsSent).toBeGreaterThanOrEqual(5);
    expect(h.broker.stats()).toMatchObject({ clientsExpired: 0, requests: 1, replies: 1 });
    expect(worker.abandoned).toBe(0);
    // Its socket went back to the pool and serves the next request (the late 200s to its heartbeats are skipped).
    expect(text(await client.requestFinal(service, 'again'))).toEqual(['done', 'again']);
  });

  it('a plain client that never heartbeats is never cut off', async () => {
    h = await startHarness();
    const service = uniqueName('plain');
    const work = holding(WINDOW_MS * 4);
    const worker = h.worker(service, work.handler);
    const client = h.client({ heartbeatIntervalMs: 0 });
    expect(text(await client.requestFinal(service, 'slow'))).toEqual(['done', 'slow']);
    expect(client.stats().heartbeatsSent).toBe(0);
    expect(h.broker.stats().clientsExpired).toBe(0);
    expect(worker.abandoned).toBe(0);
  });

  it('answers 400 for a malformed heartbeat and 404 for an unknown request socket', async () => {
    h = await startHarness();
    const client = h.client();
    expect(text(await client.requestFinal('mmi.resolute.alive', 'only-one-frame'))).toEqual(['400']);
    expect(text(await client.requestFinal('mmi.resolute.alive', ['abcd', 'zero']))).toEqual(['400']);
    expect(text(await client.requestFinal('mmi.resolute.alive', ['abcd', '100']))).toEqual(['404']);
    expect(h.broker.stats().requests).toBe(0);
  });
});
