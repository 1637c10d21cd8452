import { freePort, uniqueName, waitFor } from '@resolute/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { Router } from 'zeromq';
import { Broker, Client, Worker } from '../src/index.js';
import { FAST, text } from './helpers.js';

const cleanup: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of cleanup.splice(0).reverse()) await item.close();
});

async function broker(port: number): Promise<Broker> {
  const started = await new Broker({ bind: `tcp://127.0.0.1:${port}`, ...FAST }).start();
  cleanup.push(started);
  return started;
}

/*
 * A broker on an address another broker just closed. unbind() resolves once libzmq has been told, but its I/O thread
 * closes the listening socket a moment later; on a loaded machine a bind at once can still meet EADDRINUSE.
 */
async function brokerWhenFree(port: number): Promise<Broker> {
  return waitFor(() => broker(port), { timeoutMs: 3_000, intervalMs: 20, message: `port ${port} to be free again` });
}

function worker(endpoint: string, service: string, tag: string): Worker {
  const started = new Worker({ broker: endpoint, service, ...FAST, reconnectDelayMs: 50 }).onRequest((_r, reply) => reply.end(tag)).start();
  cleanup.push(started);
  return started;
}

describe('reconnects and several brokers', () => {
  it('a worker re-registers after its broker closes and a new one starts on the same address', async () => {
    const port = await freePort();
    const service = uniqueName('phoenix');
    const first = await broker(port);
    const w = worker(first.endpoint, service, 'ok');
    await waitFor(() => first.stats().workers === 1);
    await first.close();
    const second = await brokerWhenFree(port);
    await waitFor(() => second.stats().workers === 1, { timeoutMs: 5_000 });
    expect(w.sessions).toBeGreaterThanOrEqual(2);
    const client = new Client({ brokers: [second.endpoint], timeoutMs: 3_000 });
    cleanup.push(client);
    expect(text(await client.requestFinal(service, 'x'))).toEqual(['ok']);
  });

  it('a worker whose broker goes silent notices through heartbeats and reconnects on a new socket', async () => {
    const port = await freePort();
    const service = uniqueName('silent');
    // A "broker" that accepts connections and never answers: no HEARTBEAT, no DISCONNECT.
    const mute = new Router({ linger: 0 });
    await mute.bind(`tcp://127.0.0.1:${port}`);
    const readies: string[] = [];
    const reading = (async () => {
      for await (const [, header, command, name] of mute) if (header?.toString() === 'MDPW02' && command?.[0] === 1) readies.push(String(name));
    })().catch(() => undefined);
    const w = worker(`tcp://127.0.0.1:${port}`, service, 'ok');
    await waitFor(() => w.sessions >= 2 && readies.length >= 2, { timeoutMs: 3_000 });
    expect(readies.every((name) => name === service)).toBe(true);
    mute.close();
    await reading;
  });

  it('fails over to the next broker after a timeout (retries: 1)', async () => {
    const dead = `tcp://127.0.0.1:${await freePort()}`;
    const live = await broker(await freePort());
    const service = uniqueName('failover');
    worker(live.endpoint, service, 'live');
    await waitFor(() => live.stats().workers === 1);
    const client = new Client({ brokers: [dead, live.endpoint], strategy: 'failover', timeoutMs: 300, retries: 1 });
    cleanup.push(client);
    expect(text(await client.requestFinal(service, 'x'))).toEqual(['live']);
    // the client stays on the broker that answered
    expect(text(await client.requestFinal(service, 'y', { timeoutMs: 1_000 }))).toEqual(['live']);
    expect(live.stats().requests).toBe(2);
  });

  it('spreads requests over brokers round-robin', async () => {
    const a = await broker(await freePort());
    const b = await broker(await freePort());
    const service = uniqueName('rr');
    worker(a.endpoint, service, 'a');
    worker(b.endpoint, service, 'b');
    await waitFor(() => a.stats().workers === 1 && b.stats().workers === 1);
    const client = new Client({ brokers: [a.endpoint, b.endpoint], strategy: 'round-robin', timeoutMs: 3_000 });
    cleanup.push(client);
    const served: string[] = [];
    for (let i = 0; i < 4; i += 1) served.push(...text(await client.requestFinal(service, 'x')));
    expect(served).toEqual(['a', 'b', 'a', 'b']);
  });

  it('close() lets a request in progress finish before disconnecting workers', async () => {
    const b = await broker(await freePort());
    const service = uniqueName('drain');
    let release: () => void = () => undefined;
    const w = new Worker({ broker: b.endpoint, service, ...FAST })
      .onRequest(async (_r, reply) => {
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        reply.end('finished');
      })
      .start();
    cleanup.push(w);
    await waitFor(() => b.stats().workers === 1);
    const client = new Client({ brokers: [b.endpoint], timeoutMs: 3_000 });
    cleanup.push(client);
    const pending = client.requestFinal(service, 'x');
    await waitFor(() => b.stats().busyWorkers === 1);
    const closing = b.close();
    release();
    expect(text(await pending)).toEqual(['finished']);
    await closing;
    await b.close();
  });
});
