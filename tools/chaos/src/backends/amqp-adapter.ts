import { join } from 'node:path';
import { PrivateRabbit } from '@resolute/amqp-adapter/testing';
import type { ChaosTarget } from '../chaos-backend.js';

/** amqp-adapter + LevelDB on a private RabbitMQ node, which the plan may SIGKILL and restart. */
export const amqpAdapterTarget: ChaosTarget = {
  name: 'amqp-adapter',
  async start(root) {
    const rabbit = await PrivateRabbit.start();
    const transport = { type: 'amqp-adapter', url: rabbit.url, reconnect: { initialDelayMs: 100, maxDelayMs: 1_000 } };
    const outbox = { retry: { initialDelayMs: 50, maxDelayMs: 500 } };
    return {
      producer: { name: 'chaos-pub', transport, store: { type: 'level', path: join(root, 'pub') }, bus: { outbox } },
      consumer: { name: 'chaos-sub', transport, store: { type: 'level', path: join(root, 'sub') }, bus: { outbox } },
      async restartBroker() {
        await rabbit.kill();
        await rabbit.boot();
      },
      stop: () => rabbit.destroy(),
    };
  },
};
