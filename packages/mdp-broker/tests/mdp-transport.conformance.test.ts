import { describeTransportConformance, freePort } from '@resolute/core/testing';
import { afterAll, beforeAll } from 'vitest';
import { Broker, MdpTransport } from '../src/index.js';
import { FAST } from './helpers.js';

let broker: Broker;
beforeAll(async () => {
  broker = await new Broker({ bind: `tcp://127.0.0.1:${await freePort()}`, ...FAST }).start();
});
afterAll(async () => {
  await broker?.close();
});

describeTransportConformance('mdp-broker through a real Broker over TCP', {
  create: () => new MdpTransport({ broker: broker.endpoint, ...FAST, reconnectDelayMs: 50, ackTimeoutMs: 2_000 }),
});
