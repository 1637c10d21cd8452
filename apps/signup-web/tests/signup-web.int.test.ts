// The website over a real bus: zmq-peer + LevelDB as in resolute.config.json, with an in-test subscriber (the email
// service's part) on the other end of the socket.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, CONTROL, createBusFromConfig } from '@resolute/core';
import { freePort, waitFor } from '@resolute/core/testing';
import { createConsoleLogger } from 'demo-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SignupWeb, startSignupWeb, type UserSignedUpEvent, USERS_FILE } from '../src/index.js';

const logger = createConsoleLogger({ level: 'silent' });
let dir: string;
let cleanups: Array<() => Promise<void>>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signup-web-'));
  cleanups = [];
});

afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

async function web(webAddress: string): Promise<SignupWeb> {
  const started = await startSignupWeb({
    bus: {
      name: 'web',
      transport: { type: 'zmq-peer', bind: webAddress },
      store: { type: 'level', path: join(dir, 'bus') },
      bus: { outbox: { retry: { initialDelayMs: 20, maxDelayMs: 200 } } },
      defaultProfile: 'zmq',
      profiles: { zmq: {} },
    },
    dataDir: join(dir, 'app'),
    http: { host: '127.0.0.1', port: 0 },
    mailboxUrl: `http://127.0.0.1:${await freePort()}/messages`,
    logger,
  });
  cleanups.push(() => started.close());
  return started;
}

/** A subscriber bus (the email service's part) that records the events it gets. */
async function subscriber(webAddress: string, got: UserSignedUpEvent[]): Promise<Bus> {
  const bus = await createBusFromConfig({
    name: 'email',
    transport: { type: 'zmq-peer', bind: `tcp://127.0.0.1:${await freePort()}` },
    store: { type: 'memory' },
    bus: { endpoints: { web: webAddress }, outbox: { retry: { initialDelayMs: 20, maxDelayMs: 200 } } },
  });
  cleanups.push(() => bus.close());
  await bus.subscribe('user.signedUp', (payload: UserSignedUpEvent) => void got.push(payload), { from: 'web' });
  return bus;
}

async function subscribed(site: SignupWeb): Promise<void> {
  let done = false;
  const off = site.bus.on('handled', (e) => (done ||= e.topic === CONTROL.subscribe));
  await waitFor(() => done, { timeoutMs: 15_000, message: 'web to register the subscriber' });
  off();
}

describe('the signup website on zmq-peer + LevelDB', () => {
  it('publishes user.signedUp for a signup, and the subscriber gets exactly the user', async () => {
    const address = `tcp://127.0.0.1:${await freePort()}`;
    const site = await web(address);
    const got: UserSignedUpEvent[] = [];
    const waiting = subscribed(site);
    await subscriber(address, got);
    await waiting;
    const response = await fetch(`${site.url}/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Ada Lovelace', email: 'ada@example.com' }),
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { user: UserSignedUpEvent; deliveries: number };
    expect(body.deliveries).toBe(1);
    await waitFor(() => got.length === 1, { timeoutMs: 10_000 });
    expect(got[0]).toEqual(body.user);
    const health = (await (await fetch(`${site.url}/healthz`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ ok: true, users: 1, bus: 'web', profile: 'zmq', backend: 'zmq (zmq-peer + level)' });
  });

  it('shows the mailbox as unavailable while the SMTP sink is not running', async () => {
    const site = await web(`tcp://127.0.0.1:${await freePort()}`);
    expect(await (await fetch(`${site.url}/mailbox`)).json()).toEqual({ available: false, reason: 'the SMTP sink is not running' });
  });

  it('publishes at start a user an earlier run saved but did not confirm published', async () => {
    const address = `tcp://127.0.0.1:${await freePort()}`;
    const got: UserSignedUpEvent[] = [];
    // First run: only the subscription gets registered (it is kept in web's store).
    const first = await web(address);
    const waiting = subscribed(first);
    await subscriber(address, got);
    await waiting;
    await first.close();
    // A crash right after the user line was written: no "published" line.
    const user = { userId: '01LEFTOVER', name: 'Grace Hopper', email: 'grace@example.com', signedUpAt: new Date().toISOString() };
    await writeFile(join(dir, 'app', USERS_FILE), `${JSON.stringify({ type: 'user', ...user })}\n`, { flag: 'a' });
    const second = await web(address);
    await waitFor(() => got.length === 1, { timeoutMs: 15_000, message: 'the left-over signup to be delivered' });
    expect(got[0]).toEqual(user);
    expect(second.users.unpublished()).toEqual([]);
  });
});
