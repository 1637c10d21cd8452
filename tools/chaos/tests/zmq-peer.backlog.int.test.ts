import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Child, freePort, waitFor } from '@resolute/core/testing';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startReady } from '../src/processes.js';

/*
 * The CI-sized version of the backlog bench (`node tools/bench/src/main.mjs backlog`, 1,000,000 messages): separate
 * Node processes, real sockets, LevelDB stores on both sides, a backlog ten times the publisher's outbox memory.
 */
const COUNT = 20_000;
const MEMORY_PER_DESTINATION = 2_000;

let children: Child[] = [];
let root: string;
beforeEach(async () => {
  children = [];
  root = await mkdtemp(join(tmpdir(), 'resolute-zmq-backlog-'));
});
afterEach(async () => {
  await Promise.all(children.map((c) => c.kill()));
  await rm(root, { recursive: true, force: true });
});

/** A clean stop: the fixtures close their bus on SIGTERM. */
async function stop(child: Child): Promise<void> {
  child.process.kill('SIGTERM');
  expect(await child.exited).toEqual({ code: 0, signal: null });
}

interface PublisherStats {
  outboxInMemory: number;
  maxOutboxInMemory: number;
  delivered: number;
}

function lastStats(publisher: Child): PublisherStats | undefined {
  const line = publisher.lines.findLast((l) => l.startsWith('stats '));
  return line === undefined ? undefined : (JSON.parse(line.slice('stats '.length)) as PublisherStats);
}

it(`keeps at most memoryPerDestination of a ${COUNT}-event backlog in memory and drains it all when the subscriber returns`, async () => {
  const [pub, sub] = [`tcp://127.0.0.1:${await freePort()}`, `tcp://127.0.0.1:${await freePort()}`];
  const [pubDir, subDir] = [join(root, 'pub'), join(root, 'sub')];
  const subscriberArgs = [subDir, sub, pub, String(COUNT)];
  // The subscriber subscribes once (a publisher run with nothing to publish stores the subscription and gets a probe
  // through), then both stop; only then does a publisher run publish the backlog.
  let subscriber = await startReady('backlog-subscriber.mjs', subscriberArgs, children);
  const handshake = await startReady('backlog-publisher.mjs', [pubDir, pub, '0', String(MEMORY_PER_DESTINATION)], children);
  await waitFor(() => handshake.lines.includes('subscribed'), { timeoutMs: 30_000, message: () => `handshake; stderr: ${handshake.stderr()}` });
  await stop(subscriber);
  await stop(handshake);

  const publisher = await startReady('backlog-publisher.mjs', [pubDir, pub, String(COUNT), String(MEMORY_PER_DESTINATION)], children);
  await waitFor(() => publisher.lines.includes('published-all'), { timeoutMs: 60_000, message: () => `publishing; stderr: ${publisher.stderr()}` });
  await waitFor(() => lastStats(publisher), { timeoutMs: 10_000 });
  expect(lastStats(publisher)).toMatchObject({ delivered: 0, outboxInMemory: MEMORY_PER_DESTINATION });

  subscriber = await startReady('backlog-subscriber.mjs', subscriberArgs, children);
  await waitFor(() => subscriber.lines.some((l) => l.startsWith('handled-all')), {
    timeoutMs: 60_000,
    message: () => `all ${COUNT} handled; last: ${subscriber.lines.findLast((l) => l.startsWith('progress')) ?? 'none'}; stderr: ${subscriber.stderr()}`,
  });
  // Every delivery acknowledged: the publisher's outbox is empty.
  const drained = await waitFor(
    () => {
      const stats = lastStats(publisher);
      return stats !== undefined && stats.delivered >= COUNT && stats.outboxInMemory === 0 ? stats : undefined;
    },
    { timeoutMs: 30_000, message: () => `publisher outbox empty; last: ${JSON.stringify(lastStats(publisher))}` },
  );
  expect(drained.maxOutboxInMemory).toBeLessThanOrEqual(MEMORY_PER_DESTINATION);
});
