// Failover tests on a PRIVATE Sentinel group (tests/support/private-sentinel-group.ts): a master and a replica
// (redis-server, AOF appendfsync always) and three sentinels (quorum 2, down-after 1 s), started here and deleted
// after. Each test SIGKILLs the current master mid-work and waits for the sentinels to promote the replica; the
// killed server is then started again and the sentinels turn it into a replica of the new master.
//
// With `replicas: { count: 1 }` every acknowledged write was confirmed by the replica, so the promoted replica has
// it: nothing that resolved is lost. Duplicates (a write applied but not confirmed, then retried) are counted and
// printed, never hidden. Without `replicas`, acknowledged writes can be lost in such a failover (see the README);
// no test here tries to show it, since whether the kill lands inside the replication lag is luck.
import { createBus, MemoryStore, type Bus } from '@resolute/core';
import { uniqueName, waitFor } from '@resolute/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisBus, RedisConnection, RedisTransport, type RedisClient } from '../src/index.js';
import type { PrivateRedis } from './support/private-redis.js';
import { PrivateSentinelGroup } from './support/private-sentinel-group.js';

const REPLICAS = { count: 1, timeoutMs: 1_000 };

let group: PrivateSentinelGroup;
const killed = new Set<PrivateRedis>();
const closers = new Set<{ close(): Promise<void> }>();

beforeAll(async () => {
  group = await PrivateSentinelGroup.start();
}, 60_000);
afterAll(async () => {
  await group?.destroy();
});
afterEach(async () => {
  await Promise.all([...closers].map((c) => c.close()));
  closers.clear();
  // The next test starts from a healthy group: the killed server back, as a replica.
  for (const server of killed) await group.revive(server);
  killed.clear();
}, 90_000);

function sentinel(): { sentinels: string[]; name: string } {
  return { sentinels: group.sentinelAddresses, name: group.name };
}

/** Kills the current master; resolves once the sentinels promoted the replica, with the time that took. */
async function failover(): Promise<{ killedPort: number; newPort: number; killedAt: number; failoverMs: number }> {
  const old = await group.killMaster();
  const killedAt = Date.now();
  killed.add(old);
  const promoted = await group.waitForFailover(old.port);
  return { killedPort: old.port, newPort: promoted.port, killedAt, failoverMs: Date.now() - killedAt };
}

/** Starts the killed server again and waits until it is a replica in sync: writes with `replicas` succeed again. */
async function reviveKilled(): Promise<number> {
  const started = Date.now();
  for (const server of killed) await group.revive(server);
  killed.clear();
  return Date.now() - started;
}

/** The port of the server a client is talking to, as that server says. */
async function servingPort(client: RedisClient): Promise<number> {
  return Number(((await client.config('GET', 'port')) as string[])[1]);
}

async function read(server: PrivateRedis, key: string): Promise<string | null> {
  const client = server.client();
  try {
    return await client.get(key);
  } finally {
    client.disconnect();
  }
}

describe('Sentinel failover (private group: master, replica, three sentinels)', () => {
  it('connects to the master through the sentinels, goes offline when it is SIGKILLed and online on the promoted replica', async () => {
    const connection = await RedisConnection.open({ sentinel: sentinel(), maxReconnectDelayMs: 200 }, { name: 'sentinel-test' });
    closers.add(connection);
    expect(connection.mode).toBe('sentinel');
    const client = connection.all[0]!;
    const key = connection.key(uniqueName('probe'));
    await client.set(key, 'before');
    const master = await group.master();
    expect(await servingPort(client)).toBe(master.port);
    expect(await read(master, key)).toBe('before');
    // The replica has it too before the kill, so the check after failover is about the connection, not about lag.
    await waitFor(async () => (await read(group.servers.find((s) => s !== master)!, key)) === 'before', { timeoutMs: 5_000 });
    const events: Array<{ event: string; at: number }> = [];
    connection.on('offline', () => events.push({ event: 'offline', at: Date.now() }));
    connection.on('online', () => events.push({ event: 'online', at: Date.now() }));

    const { killedPort, newPort, killedAt, failoverMs } = await failover();
    await waitFor(() => events.map((e) => e.event).join() === 'offline,online', { timeoutMs: 30_000, message: () => `offline then online (have ${events.map((e) => e.event).join()})` });
    // Served by the new master: it answers ROLE as master, holds what was written before, and takes writes.
    expect(await servingPort(client)).toBe(newPort);
    expect(((await client.call('ROLE')) as unknown[])[0]).toBe('master');
    expect(await client.get(key)).toBe('before');
    await client.set(key, 'after');
    expect(await read(group.servers.find((s) => s.port === newPort)!, key)).toBe('after');
    console.log(
      `[sentinel] master 127.0.0.1:${killedPort} SIGKILLed; sentinels named 127.0.0.1:${newPort} after ${failoverMs} ms; ` +
        `connection offline after ${events[0]!.at - killedAt} ms, online after ${events[1]!.at - killedAt} ms`,
    );
    expect(newPort).not.toBe(killedPort);
  }, 60_000);

  it('loses no resolved publish over RedisTransport with replicas: { count: 1 } when the master is SIGKILLed mid-stream', async () => {
    const total = 2_000;
    const topic = uniqueName('failover');
    const transport = (replicas?: typeof REPLICAS): RedisTransport =>
      new RedisTransport({ sentinel: sentinel(), ...(replicas ? { replicas } : {}), maxReconnectDelayMs: 200, sendTimeoutMs: 3_000, leaseMs: 2_000, blockMs: 200 });
    const bus = async (name: string, t: RedisTransport): Promise<Bus> => {
      const b = await createBus({ name, transport: t, store: new MemoryStore(), outbox: { retry: { initialDelayMs: 50, maxDelayMs: 500 } }, closeTimeoutMs: 2_000 });
      closers.add(b);
      return b;
    };
    const [pt, st] = [transport(REPLICAS), transport()];
    // Why sends failed, by error code: TIMEOUT is a write the replica did not confirm in time (kept in the outbox).
    const refusals = new Map<string, number>();
    const send = pt.send.bind(pt);
    pt.send = async (batch, options) => {
      const outcomes = await send(batch, options);
      for (const o of outcomes) {
        if (o.ok) continue;
        const code = o.error.code === 'TIMEOUT' && o.error.details?.written !== undefined ? `TIMEOUT (written: ${o.error.details.written === true ? 'true' : 'false'})` : o.error.code;
        refusals.set(code, (refusals.get(code) ?? 0) + 1);
      }
      return outcomes;
    };
    const pub = await bus(uniqueName('pub'), pt);
    const sub = await bus(uniqueName('sub'), st);
    const runs = new Map<number, number>();
    await sub.subscribe(topic, (e: { n: number }) => void runs.set(e.n, (runs.get(e.n) ?? 0) + 1));
    const started = Date.now();
    let published = 0;
    const publishing = (async () => {
      for (let n = 0; n < total; n++) {
        await pub.publish(topic, { n });
        published++;
        // About 1,000 events/s, so the kill lands mid-stream.
        if (n % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    await waitFor(() => runs.size >= total / 3, { timeoutMs: 30_000, message: 'a third of the stream before the kill' });
    const publishedAtKill = published;
    const { failoverMs } = await failover();
    // The promoted master has no replica until the killed server is back: its sends are refused (TIMEOUT after
    // replicas.timeoutMs), and stay in the outbox.
    await waitFor(() => [...refusals.keys()].some((code) => code.startsWith('TIMEOUT')), { timeoutMs: 30_000, message: () => `sends refused for want of a replica (${JSON.stringify([...refusals])})` });
    const reviveMs = await reviveKilled();
    await publishing;
    await waitFor(() => runs.size === total, { timeoutMs: 60_000, message: () => `all ${total} events handled (have ${runs.size})` });
    await waitFor(() => pub.stats().outboxInMemory === 0, { timeoutMs: 30_000, message: 'the outbox to drain' });
    const lost = [...Array(total).keys()].filter((n) => !runs.has(n)).length;
    const report = {
      test: 'sentinel failover under publishes, replicas: { count: 1 }',
      published,
      publishedAtKill,
      lost,
      handlerReruns: [...runs.values()].reduce((sum, c) => sum + c - 1, 0),
      duplicatesAbsorbedByInbox: sub.stats().duplicates,
      transportRedelivered: st.stats().redelivered,
      publisherSendFailures: pt.stats().failed,
      sendFailuresByCode: Object.fromEntries(refusals),
      failoverMs,
      reviveMs,
      seconds: (Date.now() - started) / 1000,
    };
    console.log(`[sentinel] ${JSON.stringify(report)}`);
    expect(lost).toBe(0);
    expect(report.handlerReruns).toBe(0);
    expect(publishedAtKill).toBeLessThan(total);
  }, 180_000);

  it('loses no resolved queue push with replicas: { count: 1 } when the master is SIGKILLed mid-stream', async () => {
    const total = 2_000;
    const name = uniqueName('failover');
    const connect = async (replicas?: typeof REPLICAS): Promise<RedisBus> => {
      const b = await RedisBus.connect({ sentinel: sentinel(), ...(replicas ? { replicas } : {}), heartbeatMs: 200, livenessMs: 5_000, maxReconnectDelayMs: 200 });
      closers.add(b);
      return b;
    };
    const producer = (await connect(REPLICAS)).queue(name);
    const consumer = (await connect()).queue(name);
    for (const q of [producer, consumer]) q.on('error', () => undefined);
    await Promise.all([producer.attach(), consumer.attach()]);
    const deliveries = new Map<string, number>();
    consumer.on('message', (body, _id, message) => {
      deliveries.set(body, (deliveries.get(body) ?? 0) + 1);
      message.ack().catch(() => undefined);
    });
    consumer.consume({ reliable: true, leaseMs: 3_000, prefetch: 20 });
    const resolved = new Set<string>();
    const refusals = new Map<string, number>();
    // The caller's retry: a push that rejected (TIMEOUT for want of a replica, CONNECTION_LOST) is pushed again.
    const pushUntilResolved = async (body: string): Promise<void> => {
      for (;;) {
        try {
          await producer.push(body);
          resolved.add(body);
          return;
        } catch (error) {
          const code = (error as { code?: string }).code ?? 'other';
          refusals.set(code, (refusals.get(code) ?? 0) + 1);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    };
    const started = Date.now();
    const producing = (async () => {
      for (let n = 0; n < total; n += 10) {
        await Promise.all(Array.from({ length: 10 }, (_, i) => pushUntilResolved(String(n + i))));
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    await waitFor(() => deliveries.size >= total / 3, { timeoutMs: 30_000, message: 'a third of the pushes consumed before the kill' });
    const resolvedAtKill = resolved.size;
    const { failoverMs } = await failover();
    await waitFor(() => (refusals.get('TIMEOUT') ?? 0) > 0, { timeoutMs: 30_000, message: () => `pushes refused for want of a replica (${JSON.stringify([...refusals])})` });
    const reviveMs = await reviveKilled();
    await producing;
    await waitFor(() => [...resolved].every((n) => deliveries.has(n)), {
      timeoutMs: 60_000,
      message: () => `every resolved push consumed: ${[...resolved].filter((n) => !deliveries.has(n)).length} missing`,
    });
    const lost = [...resolved].filter((n) => !deliveries.has(n)).length;
    const duplicates = [...deliveries.values()].reduce((a, b) => a + b, 0) - deliveries.size;
    console.log(
      `[sentinel] queue push failover, replicas: { count: 1 }: ${resolved.size}/${total} resolved (${resolvedAtKill} at the kill), ` +
        `lost ${lost}, duplicates ${duplicates}; pushes rejected and retried ${JSON.stringify(Object.fromEntries(refusals))}; ` +
        `failover ${failoverMs} ms, revive ${reviveMs} ms, ${(Date.now() - started) / 1000} s in all`,
    );
    expect(resolved.size).toBe(total);
    expect(lost).toBe(0);
  }, 180_000);
});
