// The disasters the demo exists for, as processes (no browser): the three services run on a private copy of
// resolute.config.json; services are stopped and started under the flow, and the SMTP sink's mailbox is the judge —
// every signup gets its welcome email, none twice.
import { rm } from 'node:fs/promises';
import { waitFor } from '@resolute/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoProcesses, privateDemoConfig, type SinkMessages } from './demo-env.js';

let dir: string;
let demo: DemoProcesses;

async function signUp(name: string, email: string): Promise<number> {
  const response = await fetch(`${demo.specs.url}/signup`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ name, email }) });
  return response.status;
}

/** Waits until each address has exactly one mail, and checks that nothing arrived twice. */
async function expectOneMailEach(emails: string[]): Promise<void> {
  const countTo = (box: SinkMessages, email: string): number => box.messages.filter((m) => m.envelope.to.includes(email)).length;
  await waitFor(async () => {
    const box = await demo.sinkMessages();
    return emails.every((e) => countTo(box, e) >= 1);
  }, { timeoutMs: 40_000, message: () => `a welcome email for each of ${emails.join(', ')}` });
  const box = await demo.sinkMessages();
  for (const email of emails) expect(countTo(box, email)).toBe(1);
  expect(box.duplicates).toBe(0);
}

beforeAll(async () => {
  const env = await privateDemoConfig();
  dir = env.dir;
  demo = new DemoProcesses(env.config);
  await demo.startAll();
}, 120_000);

afterAll(async () => {
  await demo.stopAll();
  await rm(dir, { recursive: true, force: true });
});

describe('the demo under disasters', () => {
  it('takes 5 signups while the email service is down, and sends exactly 5 emails when it returns', async () => {
    await demo.running.get('email')!.stop();
    const emails = [1, 2, 3, 4, 5].map((i) => `down${i}@example.com`);
    for (const [i, email] of emails.entries()) expect(await signUp(`Person ${i}`, email)).toBe(201);
    expect((await demo.sinkMessages()).messages.filter((m) => emails.some((e) => m.envelope.to.includes(e)))).toEqual([]);
    await demo.start(demo.specs.email);
    await expectOneMailEach(emails);
  }, 90_000);

  it('takes signups while the SMTP server is down, and the emails go out when it is back', async () => {
    await demo.running.get('smtp')!.stop();
    const emails = ['nosmtp1@example.com', 'nosmtp2@example.com', 'nosmtp3@example.com'];
    for (const [i, email] of emails.entries()) expect(await signUp(`No Smtp ${i}`, email)).toBe(201);
    await demo.start(demo.specs.sink);
    await expectOneMailEach(emails);
  }, 90_000);

  it('keeps the email service up and healthy while the website is down, and resumes when it returns', async () => {
    await demo.running.get('web')!.stop();
    const health = await fetch(demo.running.get('email')!.spec.healthUrl);
    expect(health.status).toBe(200);
    await demo.start(demo.specs.web);
    expect(await signUp('Back Again', 'back@example.com')).toBe(201);
    await expectOneMailEach(['back@example.com']);
  }, 90_000);

  it('answers a malformed request body with 400 and keeps serving', async () => {
    const response = await fetch(`${demo.specs.url}/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": ' });
    expect(response.status).toBe(400);
    expect(await signUp('Still Works', 'still@example.com')).toBe(201);
    await expectOneMailEach(['still@example.com']);
  }, 60_000);
});
