import { appendFileSync } from 'node:fs';
import { BUS_DEFAULTS } from '@resolute/core';
import { describe, expect, it } from 'vitest';
import { amqpAdapterTarget } from '../src/backends/amqp-adapter.js';
import { withDirectOutbox } from '../src/backends/direct-outbox.js';
import { withHandledAck } from '../src/backends/handled-ack.js';
import { mdpBrokerTarget } from '../src/backends/mdp-broker.js';
import { redisBusTarget } from '../src/backends/redis-bus.js';
import { zmqPeerTarget } from '../src/backends/zmq-peer.js';
import type { ChaosTarget } from '../src/chaos-backend.js';
import { runChaos } from '../src/chaos-run.js';
import { chaosSettings } from '../src/chaos-settings.js';

/*
 * The central promise on every transport at once: producer and consumer (and the broker, where there is one) are
 * SIGKILLed at random points and restarted while events flow; afterwards nothing acknowledged is lost, nothing
 * unexpected appears, and duplicated side effects are counted. See src/chaos-run.ts.
 */
const settings = chaosSettings();
const TARGETS: readonly ChaosTarget[] = [
  zmqPeerTarget,
  amqpAdapterTarget,
  mdpBrokerTarget,
  redisBusTarget,
  ...[redisBusTarget, zmqPeerTarget, amqpAdapterTarget, mdpBrokerTarget].map(withHandledAck),
  ...[redisBusTarget, amqpAdapterTarget].map(withDirectOutbox),
];
/**
 * A consumer killed between a handler's side effect and the durable completion re-runs at most that many handlers:
 * inbox.concurrency running plus inbox.completionWindow outcomes waiting for their write (core's defaults). With
 * ack 'handled', the handled messages of the received batches waiting for their one write, fewer than that.
 */
const MOST_UNCOMPLETED = BUS_DEFAULTS.inbox.concurrency + BUS_DEFAULTS.inbox.completionWindow;

describe(`chaos (${settings.mode}: ${settings.messages} events, ${settings.kills} kill steps per transport, seed ${settings.seed}; replay with RESOLUTE_CHAOS_SEED=${settings.seed})`, () => {
  for (const target of TARGETS) {
    const run = settings.only === undefined || settings.only.includes(target.name) ? it : it.skip;
    run(
      `${target.name}: loses nothing acknowledged, delivers nothing unexpected`,
      async () => {
        const report = await runChaos(target, { seed: settings.seed, messages: settings.messages, kills: settings.kills, log: (line) => console.info(`[chaos ${target.name}] ${line}`) });
        console.info(`[chaos] ${JSON.stringify(report)}`);
        if (settings.reportFile !== undefined) appendFileSync(settings.reportFile, `${JSON.stringify({ mode: settings.mode, ...report })}\n`);
        expect(report.lost).toBe(0);
        expect(report.unexpected).toBe(0);
        expect(report.acknowledged).toBe(settings.messages);
        // Handlers re-ran only for messages whose completion was not yet durable when the consumer died, or for
        // events the producer published again after a restart (new messages): never because a duplicate reached
        // the transport (the inbox dedupe absorbs those).
        expect(report.duplicated - report.republished).toBeLessThanOrEqual(report.kills.consumer * MOST_UNCOMPLETED);
      },
      settings.mode === 'full' ? 3_600_000 : 600_000,
    );
  }
});
