import { freePort, uniqueName, waitFor } from '@resolute/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '../src/index.js';
import { startHarness, text, type Harness } from './helpers.js';
import { events, Processes, SCRIPTS } from './process-harness.js';

const processes = new Processes();
let h: Harness | undefined;
const clients: Client[] = [];
afterEach(async () => {
  await processes.killAll();
  for (const client of clients.splice(0)) await client.close();
  await h?.close();
  h = undefined;
});

function client(endpoint: string, extra: Partial<ConstructorParameters<typeof Client>[0]> = {}): Client {
  const made = new Client({ brokers: [endpoint], timeoutMs: 5_000, ...extra });
  clients.push(made);
  return made;
}

describe('Majordomo with workers and the broker in their own processes', () => {
  it('three worker processes, the one holding the request SIGKILLed: exactly one final reply, from another worker', async () => {
    h = await startHarness();
    const service = uniqueName('quote');
    const doomed = await processes.started(SCRIPTS.worker, [h.endpoint, service, 'hang']);
    await waitFor(() => h?.broker.stats().workers === 1, { timeoutMs: 10_000 });
    const response = client(h.endpoint, { timeoutMs: 10_000 }).request(service, 'EURUSD');
    await waitFor(() => events(doomed, 'request').length === 1, { timeoutMs: 5_000 });
    const survivors = [await processes.started(SCRIPTS.worker, [h.endpoint, service, 'echo', 'from-b']), await processes.started(SCRIPTS.worker, [h.endpoint, service, 'echo', 'from-c'])];
    await waitFor(() => h?.broker.stats().workers === 3, { timeoutMs: 10_000 });

    await doomed.kill();
    const partials: Buffer[][] = [];
    for await (const frames of response) partials.push(frames);
    const final = text(await response.final);
    expect(partials).toEqual([]);
    expect(['from-b', 'from-c']).toContain(final[0]);
    expect(final[1]).toBe('EURUSD');
    // The test's heartbeats are 100 ms: on a loaded machine a survivor starved of CPU for three of them is expired
    // too (and its request requeued once more) before it re-registers. The client still gets exactly one FINAL.
    expect(survivors.reduce((sum, child) => sum + events(child, 'request').length, 0)).toBeGreaterThanOrEqual(1);
    const stats = h.broker.stats();
    expect(stats.workersExpired).toBeGreaterThanOrEqual(1);
    expect(stats.requestsRequeued).toBeGreaterThanOrEqual(1);
    expect(stats.replies).toBe(1);
    await waitFor(() => h?.broker.stats().workers === 2, { timeoutMs: 10_000 });
  });

  it('the broker process SIGKILLed and restarted on its address: workers re-register and clients are served again', async () => {
    const endpoint = `tcp://127.0.0.1:${await freePort()}`;
    const service = uniqueName('phoenix');
    const broker = await processes.started(SCRIPTS.broker, [endpoint]);
    const worker = await processes.started(SCRIPTS.worker, [endpoint, service, 'echo']);
    const c = client(endpoint);
    expect(text(await c.requestFinal(service, 'before'))).toEqual(['echo', 'before']);

    await broker.kill();
    // Sent while no broker runs: each attempt times out and is tried again until the new broker answers.
    const during = c.requestFinal(service, 'during', { timeoutMs: 500 });
    const retrying = client(endpoint, { timeoutMs: 500, retries: 40 }).requestFinal(service, 'retried');
    await expect(during).rejects.toMatchObject({ code: 'TIMEOUT' });
    await processes.started(SCRIPTS.broker, [endpoint]);

    expect(text(await retrying)).toEqual(['echo', 'retried']);
    expect(text(await c.requestFinal(service, 'after'))).toEqual(['echo', 'after']);
    expect(worker.process.exitCode).toBeNull();
  });

  it('a request that times out is reported to the client; without a cancel the worker finishes it late and the reply is dropped', async () => {
    h = await startHarness();
    const service = uniqueName('slow');
    const worker = await processes.started(SCRIPTS.worker, [h.endpoint, service, 'slow', '600']);
    await waitFor(() => h?.broker.stats().workers === 1, { timeoutMs: 10_000 });
    const c = client(h.endpoint, { cancelAbandoned: false });

    await expect(c.requestFinal(service, 'first', { timeoutMs: 200 })).rejects.toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('no final reply within 200 ms') });
    // Plain MDP cannot cancel at the worker (cancelAbandoned off, as with a client from elsewhere): it still finishes
    // the abandoned request, and the broker relays the late FINAL to a client socket that was closed at the timeout,
    // so it cannot be taken for the next request's reply. (tests/cancel.int.test.ts covers the cancelling client.)
    await waitFor(() => events(worker, 'replied').length === 1, { timeoutMs: 5_000 });
    await waitFor(() => h?.broker.stats().replies === 1);
    expect(text(await c.requestFinal(service, 'second'))).toEqual(['slow', 'second']);
    expect(h.broker.stats()).toMatchObject({ requests: 2, replies: 2, requestsAbandoned: 0 });
  });
});
