// TLS (amqps://) and credentials against a PRIVATE RabbitMQ node that also listens for TLS with a throwaway CA
// (PrivateRabbit.start({ tls: true }): server certificate for localhost/127.0.0.1, client certificates checked when
// sent but not required). Started here, stopped and deleted after; nothing is killed.
import { createPrivateKey } from 'node:crypto';
import { createBus, MemoryStore, type Bus, type ResoluteError } from '@resolute/core';
import { uniqueName, waitFor } from '@resolute/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AmqpTransport, type AmqpOptionsInput } from '../src/index.js';
import { PrivateRabbit, rabbitmqctl } from '../src/testing/index.js';

let rabbit: PrivateRabbit;
let tls: NonNullable<PrivateRabbit['tls']>;
const open = new Set<{ close(): Promise<void> }>();
const logger = { debug() {}, info() {}, warn() {}, error() {} };

beforeAll(async () => {
  rabbit = await PrivateRabbit.start({ tls: true });
  tls = rabbit.tls!;
}, 90_000);
afterAll(async () => {
  await rabbit?.destroy();
}, 60_000);
afterEach(async () => {
  await Promise.all([...open].map((o) => o.close()));
  open.clear();
});

/** A started transport (closed after the test), or the ResoluteError its start failed with. */
async function start(options: AmqpOptionsInput): Promise<{ transport?: AmqpTransport; error?: ResoluteError; endpoint: string }> {
  const endpoint = uniqueName('tls');
  const transport = new AmqpTransport({ connectTimeoutMs: 5_000, ...options });
  try {
    await transport.start({ endpoint, receive: async () => undefined, logger });
    open.add(transport);
    return { transport, endpoint };
  } catch (error) {
    await transport.close();
    return { error: error as ResoluteError, endpoint };
  }
}

interface BrokerConnection {
  user: string;
  ssl: boolean;
  peer_cert_subject: unknown;
  client_properties: unknown;
}

/** The private node's view of the connection an endpoint's transport made (its connection_name is resolute:<endpoint>). */
async function brokerConnection(endpoint: string): Promise<BrokerConnection> {
  let found: BrokerConnection | undefined;
  await waitFor(
    async () => {
      const out = await rabbitmqctl(['list_connections', 'user', 'ssl', 'peer_cert_subject', 'client_properties', '--formatter', 'json', '--quiet'], rabbit.node);
      found = (JSON.parse(out) as BrokerConnection[]).find((c) => JSON.stringify(c.client_properties).includes(`resolute:${endpoint}`));
      return found !== undefined;
    },
    { timeoutMs: 10_000, message: `the broker to list the connection of ${endpoint}` },
  );
  return found!;
}

describe('amqp-adapter over TLS (amqps://) on a private RabbitMQ', () => {
  it('(a) runs a bus pair over amqps:// with tls.ca: events and a request', async () => {
    const options = { url: rabbit.tlsUrl, tls: { ca: tls.ca }, sendTimeoutMs: 2_000 };
    const bus = async (name: string): Promise<Bus> => {
      const b = await createBus({ name, transport: new AmqpTransport(options), store: new MemoryStore(), outbox: { retry: { initialDelayMs: 20, maxDelayMs: 200 } }, closeTimeoutMs: 2_000 });
      open.add(b);
      return b;
    };
    const [webName, billingName] = [uniqueName('web'), uniqueName('billing')];
    const web = await bus(webName);
    const billing = await bus(billingName);
    const topic = uniqueName('order.placed');
    const seen: number[] = [];
    await billing.subscribe(topic, (n: number) => void seen.push(n));
    billing.handle('quote', (p: { sku: string }) => ({ sku: p.sku, cents: 250 }));
    for (let n = 0; n < 20; n++) await web.publish(topic, n);
    await waitFor(() => new Set(seen).size === 20, { timeoutMs: 10_000, message: () => `20 events over TLS (have ${seen.length})` });
    await expect(web.request(billingName, 'quote', { sku: 'A' }, { timeoutMs: 10_000 })).resolves.toEqual({ sku: 'A', cents: 250 });
    // The broker agrees the connections are TLS (and, no client certificate given, it has none).
    for (const name of [webName, billingName]) {
      const c = await brokerConnection(name);
      expect(c).toMatchObject({ user: 'guest', ssl: true });
      expect(JSON.stringify(c.peer_cert_subject)).not.toContain('resolute-test-client');
    }
  });

  it('(b) without tls.ca (default trust) fails start with AUTH_FAILED saying to pass tls.ca', async () => {
    for (const options of [{ url: rabbit.tlsUrl }, { url: rabbit.tlsUrl, tls: { servername: 'localhost' } }]) {
      const { error } = await start(options);
      expect(error?.code).toBe('AUTH_FAILED');
      expect(error?.retryable).toBe(false);
      expect(error?.message).toMatch(/tls\.ca/);
      expect(error?.message).not.toContain('guest:guest');
    }
  });

  it('(c) checks the certificate against tls.servername; rejectUnauthorized: false accepts any certificate', async () => {
    // The URL's host is 127.0.0.1 (an IP SAN of the certificate); `localhost` is its DNS SAN: both accepted.
    expect((await start({ url: rabbit.tlsUrl, tls: { ca: tls.ca, servername: 'localhost' } })).error).toBeUndefined();
    const wrongName = await start({ url: rabbit.tlsUrl, tls: { ca: tls.ca, servername: 'broker.example.com' } });
    expect(wrongName.error?.code).toBe('AUTH_FAILED');
    expect(wrongName.error?.retryable).toBe(false);
    expect(wrongName.error?.message).toMatch(/tls\.servername/);
    // rejectUnauthorized: false: neither an unknown CA nor a wrong name stops it (documented: local test brokers only).
    for (const relaxed of [{ rejectUnauthorized: false }, { rejectUnauthorized: false, servername: 'broker.example.com' }]) {
      const { error, endpoint } = await start({ url: rabbit.tlsUrl, tls: relaxed });
      expect(error).toBeUndefined();
      expect((await brokerConnection(endpoint)).ssl).toBe(true);
    }
  });

  describe('(d) credentials', () => {
    const user = uniqueName('resolute-user');
    // Reserved URL characters and non-ASCII: the adapter must hand the broker exactly these bytes. (No `$`, backquote
    // or backslash: Debian's rabbitmqctl wrapper passes its arguments through `su -c "..."`, which expands them.)
    const password = 'pä ss:w@rd/%é?#';

    beforeAll(async () => {
      await rabbitmqctl(['add_user', user, password], rabbit.node);
      await rabbitmqctl(['set_permissions', '-p', '/', user, '.*', '.*', '.*'], rabbit.node);
    });

    it('a wrong password fails start with AUTH_FAILED naming the credentials (over TLS and plain)', async () => {
      for (const url of [rabbit.tlsUrl.replace('guest:guest@', ''), rabbit.url.replace('guest:guest@', '')]) {
        const { error } = await start({ url, tls: url.startsWith('amqps:') ? { ca: tls.ca } : undefined, username: user, password: 'not-the-password' });
        expect(error?.code).toBe('AUTH_FAILED');
        expect(error?.retryable).toBe(false);
        expect(error?.message).toMatch(/credentials/);
        expect(error?.message).not.toContain('not-the-password');
      }
    });

    it('the right username/password given as options (not in the URL) log in as that user', async () => {
      const cases: AmqpOptionsInput[] = [
        { url: rabbit.tlsUrl.replace('guest:guest@', ''), tls: { ca: tls.ca }, username: user, password },
        // The options override credentials that are in the URL.
        { url: rabbit.tlsUrl, tls: { ca: tls.ca }, username: user, password },
        { url: rabbit.url.replace('guest:guest@', ''), username: user, password },
      ];
      for (const options of cases) {
        const { error, endpoint } = await start(options);
        expect(error).toBeUndefined();
        expect((await brokerConnection(endpoint)).user).toBe(user);
      }
    });
  });

  it('(e) presents the client certificate when given (also with an encrypted key and tls.passphrase)', async () => {
    const passphrase = 'client key secret';
    const encryptedKey = createPrivateKey(tls.key).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }).toString();
    for (const options of [{ ca: tls.ca, cert: tls.cert, key: tls.key }, { ca: tls.ca, cert: tls.cert, key: encryptedKey, passphrase }]) {
      const { error, endpoint } = await start({ url: rabbit.tlsUrl, tls: options });
      expect(error).toBeUndefined();
      const c = await brokerConnection(endpoint);
      expect(c.ssl).toBe(true);
      expect(JSON.stringify(c.peer_cert_subject)).toContain('CN=resolute-test-client');
    }
  });
});
