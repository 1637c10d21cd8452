import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Child, freePort, waitFor } from '@resolute/core/testing';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { effectLines, handledSeqs, startReady } from '../src/processes.js';

/* Separate Node processes, real sockets, LevelDB stores on both sides. */
let children: Child[] = [];
let root: string;
beforeEach(async () => {
  children = [];
  root = await mkdtemp(join(tmpdir(), 'resolute-zmq-mp-'));
});
afterEach(async () => {
  await Promise.all(children.map((c) => c.kill()));
  await rm(root, { recursive: true, force: true });
});

const range = (n: number): number[] => [...Array(n).keys()];

it('delivers all 1,000 messages published while the subscriber was down, once it starts', async () => {
  const [pub, sub] = [`tcp://127.0.0.1:${await freePort()}`, `tcp://127.0.0.1:${await freePort()}`];
  const effects = join(root, 'effects.log');
  // The subscriber subscribes once (the publisher, run with nothing to publish, stores the subscription), then
  // goes away (SIGKILL); only then does a publisher run publish the 1,000.
  let subscriber = await startReady('zmq-subscriber.mjs', [join(root, 'sub'), sub, pub, effects], children);
  const handshake = await startReady('zmq-publisher.mjs', [join(root, 'pub'), pub, '0', '0'], children);
  await waitFor(() => handshake.lines.includes('published-all'), { timeoutMs: 30_000 });
  await subscriber.kill();
  await handshake.kill();
  const publisher = await startReady('zmq-publisher.mjs', [join(root, 'pub'), pub, '0', '1000'], children);
  await waitFor(() => publisher.lines.includes('published-all'), { timeoutMs: 60_000 });
  expect(effectLines(effects)).toEqual([]);
  subscriber = await startReady('zmq-subscriber.mjs', [join(root, 'sub'), sub, pub, effects], children);
  await waitFor(() => handledSeqs(effects).size === 1000, { timeoutMs: 60_000, message: () => `1000 handled, have ${handledSeqs(effects).size}` });
  expect([...handledSeqs(effects)].sort((a, b) => a - b)).toEqual(range(1000));
});

it('gives three live subscribers everything promptly while a fourth is down, and the fourth its backlog later', async () => {
  const pub = `tcp://127.0.0.1:${await freePort()}`;
  const subs = await Promise.all([0, 1, 2, 3].map(async (i) => ({ bind: `tcp://127.0.0.1:${await freePort()}`, dir: join(root, `sub${i}`), effects: join(root, `effects${i}.log`) })));
  const start = (i: number): Promise<Child> => startReady('zmq-subscriber.mjs', [subs[i]!.dir, subs[i]!.bind, pub, subs[i]!.effects], children);
  const running = await Promise.all([0, 1, 2, 3].map(start));
  const publisher = await startReady('zmq-publisher.mjs', [join(root, 'pub'), pub, '0', '1000', '4'], children);
  await waitFor(() => publisher.lines.includes('subscribed'), { timeoutMs: 30_000 });
  await running[3]!.kill();
  await waitFor(() => publisher.lines.includes('published-all'), { timeoutMs: 60_000 });
  await waitFor(() => [0, 1, 2].every((i) => handledSeqs(subs[i]!.effects).size === 1000), { timeoutMs: 30_000 });
  const fourthBefore = handledSeqs(subs[3]!.effects).size;
  expect(fourthBefore).toBeLessThan(1000);
  await start(3);
  await waitFor(() => handledSeqs(subs[3]!.effects).size === 1000, { timeoutMs: 60_000 });
  for (const i of [0, 1, 2]) expect(effectLines(subs[i]!.effects)).toHaveLength(1000);
});
