// The email service over real sockets: a "web" bus (zmq-peer, memory store) publishes user.signedUp, the service
// (zmq-peer + LevelDB, as in resolute.config.json) sends the welcome email to a real SMTP server started here.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, createBusFromConfig } from '@resolute/core';
import { freePort, waitFor } from '@resolute/core/testing';
import { createConsoleLogger } from 'demo-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSmtpSender, type EmailService, type MailSender, startEmailService } from '../src/index.js';
import { startTestSmtpServer, type TestSmtpServer } from './test-smtp-server.js';

const logger = createConsoleLogger({ level: 'silent' });
const FROM = 'Resolute demo <welcome@resolute.demo>';
let dir: string;
let cleanups: Array<() => Promise<void>>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'email-service-'));
  cleanups = [];
});

afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

interface Setup {
  web: Bus;
  service: EmailService;
  smtpPort: number;
}

/** A web bus and the email service, subscribed; `sender` defaults to SMTP on a free port where nothing listens yet. */
async function setup(sender?: (smtpPort: number) => MailSender): Promise<Setup> {
  const [webPort, emailPort, smtpPort] = [await freePort(), await freePort(), await freePort()];
  const web = await createBusFromConfig({ name: 'web', transport: { type: 'zmq-peer', bind: `tcp://127.0.0.1:${webPort}` }, store: { type: 'memory' } });
  cleanups.push(() => web.close());
  const smtp = createSmtpSender({ host: '127.0.0.1', port: smtpPort, secure: false, connectionTimeoutMs: 1_000, socketTimeoutMs: 3_000 });
  const service = await startEmailService({
    bus: {
      name: 'email',
      transport: { type: 'zmq-peer', bind: `tcp://127.0.0.1:${emailPort}` },
      store: { type: 'level', path: join(dir, 'email') },
      bus: {
        endpoints: { web: `tcp://127.0.0.1:${webPort}` },
        outbox: { retry: { initialDelayMs: 20, maxDelayMs: 200 } },
        inbox: { maxAttempts: 20, retry: { initialDelayMs: 50, maxDelayMs: 200 } },
        closeTimeoutMs: 2_000,
      },
    },
    from: FROM,
    sender: sender?.(smtpPort) ?? smtp,
    http: { host: '127.0.0.1', port: 0 },
    logger,
  });
  cleanups.push(() => service.close());
  await waitFor(() => service.status().subscribed, { timeoutMs: 15_000, message: 'the subscription to reach web' });
  return { web, service, smtpPort };
}

async function smtpServer(port: number, options?: Parameters<typeof startTestSmtpServer>[1]): Promise<TestSmtpServer> {
  const server = await startTestSmtpServer(port, options);
  cleanups.push(() => server.close());
  return server;
}

const signup = (n = 1) => ({ userId: `u${n}`, name: `User ${n}`, email: `user${n}@example.com`, signedUpAt: new Date().toISOString() });

describe('the email service', () => {
  it('completes the event only once the SMTP server accepted the mail', async () => {
    const { web, service, smtpPort } = await setup();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let dataReceived = false;
    const smtp = await smtpServer(smtpPort, {
      beforeAccept: () => {
        dataReceived = true;
        return held;
      },
    });
    await web.publish('user.signedUp', signup());
    await waitFor(() => dataReceived, { message: 'the mail to reach the SMTP server' });
    // The server has the whole mail but has not said 250: the event is not done.
    expect(service.status()).toMatchObject({ sent: 0, stats: { handled: 0 } });
    release();
    await waitFor(() => service.status().stats.handled === 1);
    expect(service.status().sent).toBe(1);
    expect(smtp.mails).toHaveLength(1);
  });

  it('retries while the SMTP server is down and sends the email exactly once when it is back', async () => {
    const { web, service, smtpPort } = await setup();
    const receipt = await web.publish('user.signedUp', signup());
    expect(receipt.deliveries).toBe(1);
    await waitFor(() => service.status().stats.retries >= 2, { timeoutMs: 10_000, message: 'retries while SMTP is down' });
    expect(service.status().sent).toBe(0);
    const smtp = await smtpServer(smtpPort);
    await waitFor(() => service.status().stats.handled === 1, { timeoutMs: 10_000 });
    expect(smtp.mails).toEqual([expect.objectContaining({ to: ['user1@example.com'], messageId: `<${receipt.id}@resolute.demo>` })]);
    expect(service.status().stats.dead).toBe(0);
  });

  it('dead-letters at once when the SMTP server refuses the recipient for good (5xx)', async () => {
    const { web, service, smtpPort } = await setup();
    await smtpServer(smtpPort, { refuseWith: 550 });
    await web.publish('user.signedUp', signup());
    await waitFor(() => service.status().stats.dead === 1, { timeoutMs: 10_000 });
    expect(service.status().stats.retries).toBe(0);
  });

  it('dead-letters an event that is not a signup instead of retrying it', async () => {
    const { web, service } = await setup();
    await web.publish('user.signedUp', { userId: 'u1', name: 'No email' });
    await waitFor(() => service.status().stats.dead === 1, { timeoutMs: 10_000 });
    expect(service.status().stats.retries).toBe(0);
  });

  it('sends a retried event with the same Message-ID, so the receiver can drop the repeat', async () => {
    // The first send reaches the server but the service does not learn it (as if the reply was lost): it retries.
    let calls = 0;
    const { web, service, smtpPort } = await setup((port) => {
      const real = createSmtpSender({ host: '127.0.0.1', port, secure: false, connectionTimeoutMs: 1_000, socketTimeoutMs: 3_000 });
      return {
        async send(mail) {
          const info = await real.send(mail);
          if (++calls === 1) throw new Error('connection lost before the reply was read');
          return info;
        },
        close: () => real.close(),
      };
    });
    const smtp = await smtpServer(smtpPort);
    const receipt = await web.publish('user.signedUp', signup());
    await waitFor(() => service.status().stats.handled === 1, { timeoutMs: 10_000 });
    expect(smtp.mails.map((m) => m.messageId)).toEqual([`<${receipt.id}@resolute.demo>`, `<${receipt.id}@resolute.demo>`]);
  });

  it('answers GET /healthz with its bus, profile and subscription state', async () => {
    const { service } = await setup();
    const body = (await (await fetch(`${service.healthUrl}/healthz`)).json()) as Record<string, unknown>;
    expect(body).toMatchObject({ ok: true, bus: 'email', transport: 'zmq-peer', subscribed: true, sent: 0 });
    expect((await fetch(`${service.healthUrl}/other`)).status).toBe(404);
  });
});
