import { createBusFromConfig, type Bus, type BusConfigInput } from '@resolute/core';
import { uniqueName, waitFor } from '@resolute/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './helpers.js';

/*
 * Buses built by createBusFromConfig with `"transport": { "type": "mdp-broker", ... }`: core loads this package by
 * name (its dist/, so build it first: `npx tsc -p tsconfig.lib.json`, or run the Nx test target, which builds).
 */
let h: Harness | undefined;
const open = new Set<Bus>();
afterEach(async () => {
  await Promise.all([...open].map((bus) => bus.close()));
  open.clear();
  await h?.close();
  h = undefined;
});

function config(harness: Harness, name: string): BusConfigInput {
  return {
    name,
    transport: { type: 'mdp-broker', broker: harness.endpoint, heartbeatIntervalMs: 100, heartbeatLiveness: 3, reconnectDelayMs: 50, ackTimeoutMs: 1_000 },
    store: { type: 'memory' },
    bus: { outbox: { retry: { initialDelayMs: 20, maxDelayMs: 200 } }, inbox: { retry: { initialDelayMs: 5, maxDelayMs: 20 } }, closeTimeoutMs: 2_000 },
  };
}

async function bus(harness: Harness, name: string): Promise<Bus> {
  const started = await createBusFromConfig(config(harness, name));
  open.add(started);
  return started;
}

describe('buses from config over an MDP broker', () => {
  it('builds an MdpTransport from the config and sends commands, requests and replies through the broker', async () => {
    h = await startHarness();
    const [webName, billingName] = [uniqueName('web'), uniqueName('billing')];
    const web = await bus(h, webName);
    const billing = await bus(h, billingName);
    expect(web.capabilities).toMatchObject({ routing: 'publisher', requestReply: true });
    expect(web.address).toBe(webName);

    const invoices: number[] = [];
    billing.handle('invoice.create', (p: { amount: number }) => void invoices.push(p.amount));
    billing.handle('price.get', (p: { sku: string }) => ({ sku: p.sku, price: 42 }));
    await web.send(billingName, 'invoice.create', { amount: 10 });
    await waitFor(() => invoices.includes(10));
    expect(await web.request(billingName, 'price.get', { sku: 'A-1' }, { timeoutMs: 10_000 })).toEqual({ sku: 'A-1', price: 42 });
    // each bus is one MDP service on the broker
    expect(h.broker.stats().workers).toBe(2 * 4);
  });

  it('fans events out from the publisher to each subscriber endpoint (publisher-routed)', async () => {
    h = await startHarness();
    const [webName, aName, bName] = [uniqueName('web'), uniqueName('sub-a'), uniqueName('sub-b')];
    const web = await bus(h, webName);
    const subscribers = [await bus(h, aName), await bus(h, bName)];
    const got = new Map<string, string[]>([[aName, []], [bName, []]]);
    for (const sub of subscribers) await sub.subscribe('user.signedUp', (p: { email: string }) => void got.get(sub.name)?.push(p.email), { from: webName });
    await waitFor(async () => (await web.publish('user.signedUp', { email: 'probe@x' })).deliveries === 2, { timeoutMs: 10_000 });
    await web.publish('user.signedUp', { email: 'ada@example.com' });
    await waitFor(() => [...got.values()].every((emails) => emails.includes('ada@example.com')));
  });

  it("keeps a command in the sender's outbox while the receiver is down, and delivers it when it is back", async () => {
    h = await startHarness();
    const [webName, billingName] = [uniqueName('web'), uniqueName('billing')];
    const web = await bus(h, webName);
    const first = await bus(h, billingName);
    await first.close();
    open.delete(first);
    await web.send(billingName, 'invoice.create', { amount: 7 });
    await waitFor(() => web.stats().sendFailures > 0, { timeoutMs: 10_000 });
    const billing = await bus(h, billingName);
    const invoices: number[] = [];
    billing.handle('invoice.create', (p: { amount: number }) => void invoices.push(p.amount));
    await waitFor(() => invoices.includes(7), { timeoutMs: 10_000 });
  });

  it('refuses a bad transport section by field name', async () => {
    h = await startHarness();
    const bad = { ...config(h, uniqueName('bad')), transport: { type: 'mdp-broker', broker: h.endpoint, ackTimeout: 5 } };
    await expect(createBusFromConfig(bad)).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('ackTimeout') });
  });
});
