// The disasters the demo exists for, as processes (no browser): the three services run on a private copy of
// resolute.config.json; services are stopped and started under the flow, and the SMTP sink's mailbox is the judge —
// every signup gets its welcome email, none twice.
import { rm } from 'node:fs/promises';
import { CONFIG_ENV, type DemoConfig } from 'demo-kit';
import { waitFor } from '@resolute/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServices, demoServices, isSubscribed, type ServiceProcess, type ServiceSpec, startService, waitUntilHealthy } from '../src/index.js';
import { privateDemoConfig } from './demo-env.js';

interface SinkMessages {
  count: number;
  duplicates: number;
  messages: Array<{ messageId: string; envelope: { to: string[] } }>;
}

let dir: string;
let config: DemoConfig;
let specs: DemoServices;
const running = new Map<string, ServiceProcess>();

async function start(spec: ServiceSpec): Promise<ServiceProcess> {
  const service = startService(spec, { env: { [CONFIG_ENV]: config.path } });
  running.set(spec.name, service);
  await waitUntilHealthy(service);
  return service;
}

async function signUp(name: string, email: string): Promise<number> {
  const response = await fetch(`${specs.url}/signup`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ name, email }) });
  return response.status;
}

async function mailbox(): Promise<SinkMessages> {
  return (await (await fetch(`${specs.sinkUrl}/messages`)).json()) as SinkMessages;
}

/** Waits until each address has exactly one mail, and checks that nothing arrived twice. */
async function expectOneMailEach(emails: string[]): Promise<void> {
  const countTo = (box: SinkMessages, email: string): number => box.messages.filter((m) => m.envelope.to.includes(email)).length;
  await waitFor(async () => {
    const box = await mailbox();
    return emails.every((e) => countTo(box, e) >= 1);
  }, { timeoutMs: 40_000, message: () => `a welcome email for each of ${emails.join(', ')}` });
  const box = await mailbox();
  for (const email of emails) expect(countTo(box, email)).toBe(1);
  expect(box.duplicates).toBe(0);
}

beforeAll(async () => {
  ({ dir, config } = await privateDemoConfig());
  specs = demoServices(config);
  await start(specs.sink);
  const email = await start(specs.email);
  await start(specs.web);
  await waitUntilHealthy(email, isSubscribed);
}, 120_000);

afterAll(async () => {
  for (const service of [...running.values()].reverse()) await service.stop(5_000);
  await rm(dir, { recursive: true, force: true });
});

describe('the demo under disasters', () => {
  it('takes 5 signups while the email service is down, and sends exactly 5 emails when it returns', async () => {
    await running.get('email')!.stop();
    const emails = [1, 2, 3, 4, 5].map((i) => `down${i}@example.com`);
    for (const [i, email] of emails.entries()) expect(await signUp(`Person ${i}`, email)).toBe(201);
    expect((await mailbox()).messages.filter((m) => emails.some((e) => m.envelope.to.includes(e)))).toEqual([]);
    await start(specs.email);
    await expectOneMailEach(emails);
  }, 90_000);

  it('takes signups while the SMTP server is down, and the emails go out when it is back', async () => {
    await running.get('smtp')!.stop();
    const emails = ['nosmtp1@example.com', 'nosmtp2@example.com', 'nosmtp3@example.com'];
    for (const [i, email] of emails.entries()) expect(await signUp(`No Smtp ${i}`, email)).toBe(201);
    await start(specs.sink);
    await expectOneMailEach(emails);
  }, 90_000);

  it('keeps the email service up and healthy while the website is down, and resumes when it returns', async () => {
    await running.get('web')!.stop();
    const health = await fetch(running.get('email')!.spec.healthUrl);
    expect(health.status).toBe(200);
    await start(specs.web);
    expect(await signUp('Back Again', 'back@example.com')).toBe(201);
    await expectOneMailEach(['back@example.com']);
  }, 90_000);

  it('answers a malformed request body with 400 and keeps serving', async () => {
    const response = await fetch(`${specs.url}/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": ' });
    expect(response.status).toBe(400);
    expect(await signUp('Still Works', 'still@example.com')).toBe(201);
    await expectOneMailEach(['still@example.com']);
  }, 60_000);
});
