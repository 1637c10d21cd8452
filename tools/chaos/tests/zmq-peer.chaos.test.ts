import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUS_DEFAULTS } from '@resolute/core';
import { type Child, freePort, seededRandom, startNodeScript, waitFor } from '@resolute/core/testing';
import { afterAll, expect, it } from 'vitest';
import { countOutcomes } from '../src/count-outcomes.js';
import { effectLines, fixture } from '../src/processes.js';

/*
 * zmq-peer + LevelDB across processes: a producer publishes MESSAGES events to a consumer in another process while
 * both are SIGKILLed at random points and restarted. At the end every event whose publish resolved must have had its
 * side effect at least once (lost = 0), nothing the producer never published may appear (unexpected = 0), and the
 * duplicates (handler side effects run more than once, which at-least-once allows) are reported as a number.
 */
const seed = Number(process.env.RESOLUTE_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const MESSAGES = Number(process.env.RESOLUTE_CHAOS_MESSAGES ?? 10_000);
const KILLS = Number(process.env.RESOLUTE_CHAOS_KILLS ?? 10);
/**
 * At most this many handled messages can be cut between side effect and completion: the subscriber's
 * inbox.concurrency running plus inbox.completionWindow outcomes waiting for their store write (core's defaults).
 */
const MOST_UNCOMPLETED = BUS_DEFAULTS.inbox.concurrency + BUS_DEFAULTS.inbox.completionWindow;

const children: Child[] = [];
let root: string | undefined;
afterAll(async () => {
  await Promise.all(children.map((c) => c.kill()));
  if (root) await rm(root, { recursive: true, force: true });
});

it(`loses nothing acknowledged when producer and consumer are SIGKILLed (seed ${seed}; replay with RESOLUTE_CHAOS_SEED=${seed})`, async () => {
  const random = seededRandom(seed);
  root = await mkdtemp(join(tmpdir(), 'resolute-chaos-zmq-'));
  const [pubPort, subPort] = [await freePort(), await freePort()];
  const pubAddress = `tcp://127.0.0.1:${pubPort}`;
  const effects = join(root, 'effects.log');
  const attempted = new Set<number>();
  const acknowledged = new Set<number>();
  let nextSeq = 0;
  let producer: Child | undefined;
  let consumer: Child | undefined;
  let consumerKills = 0;
  const consumerRuns: Child[] = [];

  const harvest = (child: Child | undefined): void => {
    for (const line of child?.lines ?? []) {
      const [word, value] = line.split(' ');
      if (word === 'attempt') attempted.add(Number(value));
      if (word === 'ok') acknowledged.add(Number(value));
    }
  };
  const startProducer = async (): Promise<void> => {
    harvest(producer);
    nextSeq = acknowledged.size === 0 ? 0 : Math.max(...acknowledged) + 1;
    producer = startNodeScript(fixture('zmq-publisher.mjs'), [join(root!, 'pub'), pubAddress, String(nextSeq), String(MESSAGES)]);
    children.push(producer);
    await waitFor(() => producer!.lines.includes('ready'), { timeoutMs: 20_000, message: () => `producer ready; stderr: ${producer!.stderr()}` });
  };
  const startConsumer = async (): Promise<void> => {
    consumer = startNodeScript(fixture('zmq-subscriber.mjs'), [join(root!, 'sub'), `tcp://127.0.0.1:${subPort}`, pubAddress, effects]);
    children.push(consumer);
    consumerRuns.push(consumer);
    await waitFor(() => consumer!.lines.includes('ready'), { timeoutMs: 20_000, message: () => `consumer ready; stderr: ${consumer!.stderr()}` });
  };
  const effectCount = (): number => effectLines(effects).length;

  await startConsumer();
  await startProducer();
  for (let kill = 0; kill < KILLS; kill++) {
    // Let some work happen: a random number of new side effects, then kill one side at a random moment.
    const target = effectCount() + 20 + Math.floor(random() * (MESSAGES / KILLS));
    await waitFor(() => effectCount() >= Math.min(target, MESSAGES) || producer!.lines.includes('published-all'), { timeoutMs: 60_000, intervalMs: 5 });
    if (random() < 0.5) {
      await consumer!.kill();
      consumerKills++;
      await startConsumer();
    } else {
      await producer!.kill();
      await startProducer();
    }
  }
  // Make sure the producer finishes its range, then wait for every acknowledged event's side effect.
  await waitFor(
    () => {
      harvest(producer);
      return producer!.lines.includes('published-all');
    },
    { timeoutMs: 120_000, message: () => `producer to publish everything; stderr: ${producer!.stderr()}` },
  );
  harvest(producer);
  const outcome = (): ReturnType<typeof countOutcomes> => countOutcomes(readFileSync(effects, 'utf8'), attempted, acknowledged);
  await waitFor(() => outcome().lost === 0, { timeoutMs: 120_000, message: () => `all acknowledged events handled (${JSON.stringify(outcome())})` });
  const result = outcome();
  // Copies the transport delivered again and the inbox dropped before any handler ran.
  const transportDuplicates = consumerRuns.reduce((n, run) => n + run.lines.filter((l) => l.startsWith('duplicate ')).length, 0);
  console.info(
    `zmq-peer chaos (seed ${seed}, ${KILLS} kills: ${consumerKills} consumer, ${KILLS - consumerKills} producer; ${MESSAGES} events): ` +
      `${JSON.stringify(result)}, duplicates dropped by the inbox: ${transportDuplicates}`,
  );
  expect(result.lost).toBe(0);
  expect(result.unexpected).toBe(0);
  expect(result.acknowledged).toBe(MESSAGES);
  // Handlers re-ran only for messages whose handler had run but whose completion was not yet durable when the
  // consumer was killed: never because a duplicate reached the transport (the inbox dedupe absorbs those).
  expect(result.duplicated).toBeLessThanOrEqual(consumerKills * MOST_UNCOMPLETED);
});
