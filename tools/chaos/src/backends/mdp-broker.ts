import { join } from 'node:path';
import { type Child, freePort } from '@resolute/core/testing';
import type { ChaosTarget } from '../chaos-backend.js';
import { startReady } from '../processes.js';

/**
 * mdp-broker + LevelDB: both buses are MDP services on a Majordomo broker running in its own process, which the plan
 * may SIGKILL and restart on the same address (the broker keeps nothing: the buses' outboxes resend).
 * Publisher-routed: the consumer subscribes at the producer's service name.
 */
export const mdpBrokerTarget: ChaosTarget = {
  name: 'mdp-broker',
  async start(root) {
    const address = `tcp://127.0.0.1:${await freePort()}`;
    const children: Child[] = [];
    let broker = await startReady('mdp-broker.mjs', [address], children);
    const transport = { type: 'mdp-broker', broker: address, ackTimeoutMs: 2_000, startTimeoutMs: 30_000, reconnectDelayMs: 100 };
    const outbox = { retry: { initialDelayMs: 50, maxDelayMs: 500 } };
    return {
      producer: { name: 'chaos-pub', transport, store: { type: 'level', path: join(root, 'pub') }, bus: { outbox } },
      consumer: { name: 'chaos-sub', transport, store: { type: 'level', path: join(root, 'sub') }, bus: { outbox } },
      subscribeFrom: 'chaos-pub',
      async restartBroker() {
        await broker.kill();
        broker = await startReady('mdp-broker.mjs', [address], children);
      },
      async stop() {
        await Promise.all(children.map((c) => c.kill()));
      },
    };
  },
};
