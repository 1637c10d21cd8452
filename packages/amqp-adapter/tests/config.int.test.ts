import { createBusFromConfig, ResoluteError } from '@resolute/core';
import { uniqueName, waitFor } from '@resolute/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpTransport, createTransportFromConfig } from '../src/index.js';
import { privateVhost, type PrivateVhost } from '../src/testing/index.js';

let vhost: PrivateVhost;
beforeAll(async () => {
  vhost = await privateVhost();
});
afterAll(async () => {
  await vhost?.remove();
});

const context = { name: 'x', logger: { debug() {}, info() {}, warn() {}, error() {} }, baseDir: '.' };

describe('amqp-adapter from config', () => {
  it('builds the transport from a config section and refuses unknown fields by name', () => {
    const t = createTransportFromConfig({ type: 'amqp-adapter', url: 'amqp://h:5672/v', queueType: 'quorum', prefetch: 10 }, context);
    expect(t).toBeInstanceOf(AmqpTransport);
    expect(t.options).toMatchObject({ queueType: 'quorum', prefetch: 10 });
    expect(() => createTransportFromConfig({ type: 'amqp-adapter', urll: 'amqp://h' }, context)).toThrow(/INVALID|urll/);
  });

  it('runs two buses made by createBusFromConfig over RabbitMQ', async () => {
    const transport = { type: 'amqp-adapter', url: vhost.url };
    const store = { type: 'memory' };
    const [a, b] = [uniqueName('cfg-a'), uniqueName('cfg-b')];
    const web = await createBusFromConfig({ name: a, transport, store });
    const email = await createBusFromConfig({ name: b, transport, store });
    try {
      const got: string[] = [];
      await email.subscribe('user.signedUp', (p: { email: string }) => void got.push(p.email));
      await web.publish('user.signedUp', { email: 'ada@example.com' });
      await waitFor(() => got.includes('ada@example.com'), { timeoutMs: 10_000 });
    } finally {
      await Promise.all([web.close(), email.close()]);
    }
  });

  it('fails start with UNREACHABLE for a closed port and AUTH_FAILED for bad credentials or a missing vhost', async () => {
    const start = (url: string) => new AmqpTransport({ url, connectTimeoutMs: 3_000 }).start({ endpoint: uniqueName('x'), receive: async () => undefined, logger: context.logger }).then(() => undefined, (e: unknown) => e as ResoluteError);
    expect((await start('amqp://127.0.0.1:1'))?.code).toBe('UNREACHABLE');
    expect((await start(vhost.url.replace('guest:guest', 'guest:wrong')))?.code).toBe('AUTH_FAILED');
    expect((await start(`amqp://guest:guest@127.0.0.1:5672/${uniqueName('no-such-vhost')}`))?.code).toBe('AUTH_FAILED');
  });
});
