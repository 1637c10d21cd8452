import { jsonLines, startNodeScript, uniqueName, waitFor, type Child } from '@resolute/core/testing';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, text, type Harness } from './helpers.js';

const WORKER_SCRIPT = fileURLToPath(new URL('./fixtures/worker-process.mjs', import.meta.url));

let h: Harness | undefined;
const children: Child[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) await child.kill();
  await h?.close();
  h = undefined;
});

function startWorkerProcess(endpoint: string, service: string, mode: 'hang' | 'partial-then-hang'): Child {
  const child = startNodeScript(WORKER_SCRIPT, [endpoint, service, mode]);
  children.push(child);
  return child;
}

/*
 * Decision (documented in the README): a worker lost mid-request is noticed by heartbeat liveness (interval x
 * liveness); its request goes to another worker if no PARTIAL of it reached the client yet, so the client gets exactly
 * one FINAL. Once a PARTIAL was relayed the request is abandoned (running it again would repeat partials) and the
 * client's timeout reports TIMEOUT.
 */
describe('a worker process SIGKILLed mid-request', () => {
  it('has its request requeued to another worker within the liveness window; the client gets one final reply', async () => {
    h = await startHarness();
    const service = uniqueName('pricing');
    const doomed = startWorkerProcess(h.endpoint, service, 'hang');
    await waitFor(() => h?.broker.stats().workers === 1, { timeoutMs: 10_000, message: () => doomed.stderr() });
    const response = h.client({ timeoutMs: 10_000 }).request(service, 'quote');
    await waitFor(() => jsonLines(doomed).some((line) => line.event === 'request'), { timeoutMs: 5_000 });
    const survivors = [h.worker(service, (_r, reply) => reply.end('from-b')), h.worker(service, (_r, reply) => reply.end('from-c'))];
    await waitFor(() => h?.broker.stats().workers === 3);

    const killedAt = Date.now();
    await doomed.kill();
    const partials: Buffer[][] = [];
    for await (const frames of response) partials.push(frames);
    const final = text(await response.final);
    expect(['from-b', 'from-c']).toContain(final[0]);
    expect(partials).toEqual([]);
    expect(Date.now() - killedAt).toBeLessThan(2_000);
    expect(h.broker.stats()).toMatchObject({ workersExpired: 1, requestsRequeued: 1, replies: 1, workers: 2 });
    expect(survivors.reduce((sum, w) => sum + w.served, 0)).toBe(1);
  });

  it('abandons a request whose partial reply was already relayed; the client reports TIMEOUT', async () => {
    h = await startHarness();
    const service = uniqueName('stream');
    const doomed = startWorkerProcess(h.endpoint, service, 'partial-then-hang');
    await waitFor(() => h?.broker.stats().workers === 1, { timeoutMs: 10_000, message: () => doomed.stderr() });
    const response = h.client({ timeoutMs: 1_500 }).request(service, 'q');
    await waitFor(() => h?.broker.stats().partials === 1, { timeoutMs: 5_000 });
    const spare = h.worker(service, (_r, reply) => reply.end('should not run'));
    await doomed.kill();
    await expect(response.final).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(h.broker.stats()).toMatchObject({ workersExpired: 1, requestsAbandoned: 1, requestsRequeued: 0 });
    expect(spare.served).toBe(0);
  });
});
