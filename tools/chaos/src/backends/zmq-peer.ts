import { join } from 'node:path';
import { freePort } from '@resolute/core/testing';
import type { ChaosTarget } from '../chaos-backend.js';

/** zmq-peer + LevelDB: no broker; the consumer subscribes at the producer's address. */
export const zmqPeerTarget: ChaosTarget = {
  name: 'zmq-peer',
  async start(root) {
    const producerAddress = `tcp://127.0.0.1:${await freePort()}`;
    const consumerAddress = `tcp://127.0.0.1:${await freePort()}`;
    const transport = (bind: string) => ({ type: 'zmq-peer', bind, ackTimeoutMs: 2_000, sendTimeoutMs: 500 });
    const outbox = { retry: { initialDelayMs: 50, maxDelayMs: 500 } };
    return {
      producer: { name: 'chaos-pub', transport: transport(producerAddress), store: { type: 'level', path: join(root, 'pub') }, bus: { outbox } },
      consumer: { name: 'chaos-sub', transport: transport(consumerAddress), store: { type: 'level', path: join(root, 'sub') }, bus: { outbox } },
      subscribeFrom: producerAddress,
      stop: async () => undefined,
    };
  },
};
