import { describeTransportConformance } from '@resolute/core/testing';
import { afterAll, beforeAll } from 'vitest';
import { AmqpTransport } from '../src/index.js';
import { privateVhost, type PrivateVhost } from '../src/testing/index.js';

let vhost: PrivateVhost;
beforeAll(async () => {
  vhost = await privateVhost();
});
afterAll(async () => {
  await vhost?.remove();
});

describeTransportConformance('amqp-adapter on RabbitMQ (private vhost)', {
  create: () => new AmqpTransport({ url: vhost.url, sendTimeoutMs: 2_000, requeueDelayMs: 20 }),
});

describeTransportConformance('amqp-adapter on RabbitMQ, quorum queues (private vhost)', {
  create: () => new AmqpTransport({ url: vhost.url, sendTimeoutMs: 2_000, requeueDelayMs: 20, queueType: 'quorum', queuePrefix: 'q.' }),
}, { messages: 300 });
