// Channels on a private redis-server: either side first, messages both ways (including those sent before the other
// side joined), presence events, explicit roles, sendTo, end; and fire-and-forget pub/sub.
import { uniqueName, waitFor } from '@resolute/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisBus, type Channel } from '../src/index.js';
import { PrivateRedis } from './support/private-redis.js';

let redis: PrivateRedis;
const buses = new Set<RedisBus>();

beforeAll(async () => {
  redis = await PrivateRedis.start({ aof: false });
});
afterEach(async () => {
  await Promise.all([...buses].map((b) => b.close()));
  buses.clear();
});
afterAll(async () => {
  await redis?.destroy();
});

async function bus(): Promise<RedisBus> {
  const b = await RedisBus.connect({ url: redis.url, heartbeatMs: 50, livenessMs: 300 });
  buses.add(b);
  return b;
}

/** Everything a channel emits, as strings, in order. */
function journal(channel: Channel): string[] {
  const out: string[] = [];
  for (const event of ['connected', 'disconnected', 'remote:connected', 'remote:disconnected', 'end'] as const) channel.on(event, () => out.push(event));
  channel.on('message', (body) => out.push(`message ${body}`));
  return out;
}

const messages = (events: string[]): string[] => events.filter((e) => e.startsWith('message ')).map((e) => e.slice(8));

describe('Channel', () => {
  for (const first of ['listener', 'connector'] as const) {
    it(`carries messages both ways whichever side starts first (${first} first)`, async () => {
      const name = uniqueName('chan');
      const server = (await bus()).channel(name);
      const client = (await bus()).channel(name);
      const [serverEvents, clientEvents] = [journal(server), journal(client)];
      const [early, late] = first === 'listener' ? [server, client] : [client, server];
      const join = (c: Channel): Promise<void> => (c === server ? c.listen() : c.connect());
      await join(early);
      // Sent before the other side exists: kept in its queue.
      await early.send('early 1');
      await early.send('early 2');
      await join(late);
      await waitFor(() => serverEvents.includes('remote:connected') && clientEvents.includes('remote:connected'), { timeoutMs: 3_000 });
      await late.send('late 1');
      await early.send('early 3');
      const earlyEvents = early === server ? serverEvents : clientEvents;
      const lateEvents = late === server ? serverEvents : clientEvents;
      await waitFor(() => messages(lateEvents).length === 3 && messages(earlyEvents).length === 1, { timeoutMs: 3_000 });
      expect(messages(lateEvents)).toEqual(['early 1', 'early 2', 'early 3']);
      expect(messages(earlyEvents)).toEqual(['late 1']);
      expect(earlyEvents[0]).toBe('connected');
      await late.disconnect();
      await waitFor(() => earlyEvents.includes('remote:disconnected'), { timeoutMs: 3_000 });
      expect(lateEvents.at(-1)).toBe('disconnected');
      // A message sent while the other side is away is waiting when it comes back.
      await early.send('while away');
      await join(late);
      await waitFor(() => messages(lateEvents).includes('while away'), { timeoutMs: 3_000 });
      await waitFor(() => earlyEvents.filter((e) => e === 'remote:connected').length === 2, { timeoutMs: 3_000 });
    });
  }

  it('notices a party that vanished without leaving (presence lapses)', async () => {
    const name = uniqueName('vanish');
    const server = (await bus()).channel(name);
    const clientBus = await bus();
    const client = clientBus.channel(name);
    const events = journal(server);
    await server.listen();
    await client.connect();
    await waitFor(() => events.includes('remote:connected'), { timeoutMs: 3_000 });
    for (const c of clientBus.connection.all) c.disconnect();
    await waitFor(() => events.includes('remote:disconnected'), { timeoutMs: 3_000 });
  });

  it('works with explicit roles, both sides connect()', async () => {
    const name = uniqueName('roles');
    const server = (await bus()).channel(name, { local: 'server', remote: 'client' });
    const client = (await bus()).channel(name, { local: 'client', remote: 'server' });
    const [s, c] = [journal(server), journal(client)];
    await client.connect();
    await server.connect();
    await server.send('hello client');
    await client.send('hello server');
    await waitFor(() => messages(s).length === 1 && messages(c).length === 1, { timeoutMs: 3_000 });
    expect([messages(s), messages(c)]).toEqual([['hello server'], ['hello client']]);
  });

  it('sendTo reaches a role without joining; end() ends the channel for the other side', async () => {
    const name = uniqueName('end');
    const b = await bus();
    const listener = b.channel(name);
    const events = journal(listener);
    await listener.listen();
    await b.channel(name).sendTo('remote', 'posted without joining');
    await waitFor(() => messages(events).length === 1, { timeoutMs: 3_000 });
    const connector = (await bus()).channel(name);
    await connector.connect();
    await waitFor(() => events.includes('remote:connected'), { timeoutMs: 3_000 });
    await connector.end();
    await waitFor(() => events.includes('end') && events.at(-1) === 'disconnected', { timeoutMs: 3_000 });
    expect(listener.isConnected).toBe(false);
  });

  it('refuses misuse with clear errors', async () => {
    const b = await bus();
    expect(() => b.channel('x', { local: 'same', remote: 'same' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('different roles') }));
    expect(() => b.channel('bad name')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const channel = b.channel(uniqueName('misuse'));
    await expect(channel.send('too soon')).rejects.toMatchObject({ code: 'NOT_STARTED', message: expect.stringContaining('connect()') });
    await channel.connect();
    await expect(channel.listen()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('disconnect()') });
    await expect(channel.send({ not: 'text' } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('PubSub', () => {
  it('delivers to current subscribers only (fire-and-forget)', async () => {
    const name = uniqueName('news');
    const [a, b] = [(await bus()).pubsub(name), (await bus()).pubsub(name)];
    const got: string[] = [];
    b.on('message', (body) => got.push(body));
    expect(await a.publish('before anyone listens')).toBe(0);
    await b.subscribe();
    expect(await a.publish('one')).toBe(1);
    expect(await a.publish(Buffer.from('two'))).toBe(1);
    await waitFor(() => got.length === 2);
    await b.unsubscribe();
    expect(await a.publish('after unsubscribe')).toBe(0);
    await b.subscribe();
    expect(await a.publish('three')).toBe(1);
    await waitFor(() => got.length === 3);
    expect(got).toEqual(['one', 'two', 'three']);
    await expect(a.publish(7 as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
