// The disasters the demo exists for, as processes (no browser), once per bus profile (zmq, amqp, redis): the three services
// run on a private copy of resolute.config.json (for amqp in a vhost of its own on the machine's RabbitMQ, for redis under a key prefix of its own); services
// are stopped and started under the flow, and the SMTP sink's mailbox is the judge — every signup gets its welcome
// email, none twice.
import { waitFor } from '@resolute/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PROFILES, DemoProcesses, type PrivateDemo, privateDemoConfig, type SinkMessages } from './demo-env.js';

async function signUp(demo: DemoProcesses, name: string, email: string): Promise<number> {
  const response = await fetch(`${demo.specs.url}/signup`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ name, email }) });
  return response.status;
}

/** Waits until each address has exactly one mail, and checks that nothing arrived twice. */
async function expectOneMailEach(demo: DemoProcesses, emails: string[]): Promise<void> {
  const countTo = (box: SinkMessages, email: string): number => box.messages.filter((m) => m.envelope.to.includes(email)).length;
  await waitFor(async () => {
    const box = await demo.sinkMessages();
    return emails.every((e) => countTo(box, e) >= 1);
  }, { timeoutMs: 40_000, message: () => `a welcome email for each of ${emails.join(', ')}` });
  const box = await demo.sinkMessages();
  for (const email of emails) expect(countTo(box, email)).toBe(1);
  expect(box.duplicates).toBe(0);
}

describe.each(DEMO_PROFILES)('the demo under disasters, on the %s profile', (profile) => {
  let env: PrivateDemo | undefined;
  let demo: DemoProcesses;

  beforeAll(async () => {
    env = await privateDemoConfig(profile);
    demo = new DemoProcesses(env);
    await demo.startAll();
  }, 120_000);

  afterAll(async () => {
    await demo?.stopAll();
    await env?.remove();
  });

  it('runs both buses on the profile', async () => {
    expect(await demo.health(demo.specs.web)).toMatchObject({ profile, backend: `${profile} (${env!.transport} + ${env!.store})` });
    expect(await demo.health(demo.specs.email)).toMatchObject({ profile, transport: env!.transport, subscribed: true });
  });

  it('takes 5 signups while the email service is down, and sends exactly 5 emails when it returns', async () => {
    await demo.running.get('email')!.stop();
    const emails = [1, 2, 3, 4, 5].map((i) => `down${i}@example.com`);
    for (const [i, email] of emails.entries()) expect(await signUp(demo, `Person ${i}`, email)).toBe(201);
    expect((await demo.sinkMessages()).messages.filter((m) => emails.some((e) => m.envelope.to.includes(e)))).toEqual([]);
    await demo.start(demo.specs.email);
    await expectOneMailEach(demo, emails);
  }, 90_000);

  it('takes signups while the SMTP server is down, and the emails go out when it is back', async () => {
    await demo.running.get('smtp')!.stop();
    const emails = ['nosmtp1@example.com', 'nosmtp2@example.com', 'nosmtp3@example.com'];
    for (const [i, email] of emails.entries()) expect(await signUp(demo, `No Smtp ${i}`, email)).toBe(201);
    await demo.start(demo.specs.sink);
    await expectOneMailEach(demo, emails);
  }, 90_000);

  it('keeps the email service up and healthy while the website is down, and resumes when it returns', async () => {
    await demo.running.get('web')!.stop();
    const health = await fetch(demo.running.get('email')!.spec.healthUrl);
    expect(health.status).toBe(200);
    await demo.start(demo.specs.web);
    expect(await signUp(demo, 'Back Again', 'back@example.com')).toBe(201);
    await expectOneMailEach(demo, ['back@example.com']);
  }, 90_000);

  it('answers a malformed request body with 400 and keeps serving', async () => {
    const response = await fetch(`${demo.specs.url}/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": ' });
    expect(response.status).toBe(400);
    expect(await signUp(demo, 'Still Works', 'still@example.com')).toBe(201);
    await expectOneMailEach(demo, ['still@example.com']);
  }, 60_000);
});
