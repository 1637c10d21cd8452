import { freePort, uniqueName, waitFor } from '@resolute/core/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, TitanicClient } from '../src/index.js';
import { text } from './helpers.js';
import { events, Processes, SCRIPTS } from './process-harness.js';

const processes = new Processes();
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await processes.killAll();
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe('Titanic on a LevelStore, every process SIGKILLed between request and reply', () => {
  it('keeps the accepted request: after the restart the reply is fetched with titanic.reply and closed', async () => {
    const endpoint = `tcp://127.0.0.1:${await freePort()}`;
    const dir = await mkdtemp(join(tmpdir(), 'resolute-titanic-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const service = uniqueName('ledger');

    const broker = await processes.started(SCRIPTS.broker, [endpoint]);
    const titanic = await processes.started(SCRIPTS.titanic, [endpoint, dir]);
    const hanging = await processes.started(SCRIPTS.worker, [endpoint, service, 'hang']);
    const client = new Client({ brokers: [endpoint], timeoutMs: 2_000 });
    cleanup.push(() => client.close());
    const tsp = new TitanicClient(client);

    const id = await tsp.request(service, ['debit', '42'], { timeoutMs: 10_000 });
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    // Titanic has sent it on: the worker holds it, and will never answer.
    await waitFor(() => events(hanging, 'request').length > 0, { timeoutMs: 10_000 });
    expect(await tsp.reply(id)).toEqual({ status: 'pending' });

    await Promise.all([broker.kill(), titanic.kill(), hanging.kill()]);

    await processes.started(SCRIPTS.broker, [endpoint]);
    const restarted = await processes.started(SCRIPTS.titanic, [endpoint, dir]);
    expect(events(restarted, 'started')[0]).toMatchObject({ pending: 1 });
    const echo = await processes.started(SCRIPTS.worker, [endpoint, service, 'echo']);

    const reply = await tsp.waitForReply(id, { pollIntervalMs: 100, signal: AbortSignal.timeout(30_000) });
    expect(text(reply)).toEqual(['echo', 'debit', '42']);
    expect(events(echo, 'request').length).toBeGreaterThanOrEqual(1);
    // titanic.reply is idempotent until the client closes the request
    expect(await tsp.reply(id)).toMatchObject({ status: 'ok' });
    await tsp.close(id);
    expect(await tsp.reply(id)).toEqual({ status: 'unknown' });
  });
});
