// The whole demo in a real browser (Debian's Chromium driven by playwright-core), once per bus profile (zmq, amqp, redis):
// the SMTP sink, the email service and the website run as separate processes on a private copy of
// resolute.config.json (free ports, temp data dir, and for amqp a vhost of its own on the machine's RabbitMQ, for redis a key prefix of its own on its Redis).
// A person signs up and sees the welcome email arrive; the email service is stopped, two more people sign up (they
// are told they are signed up), the email service comes back, and both emails arrive, each exactly once.
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, DEMO_PROFILES, DemoProcesses, ensureChromium, type PrivateDemo, privateDemoConfig, type SinkMessages } from './demo-env.js';

let browser: Browser | undefined;

beforeAll(async () => {
  const executablePath = ensureChromium(); // installs Debian's chromium the first time: minutes, hence the hook timeout
  browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
}, 600_000);

afterAll(async () => {
  await browser?.close();
});

async function signUp(page: Page, name: string, email: string): Promise<void> {
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Email address', { exact: true }).fill(email);
  await page.getByRole('button', { name: 'Sign up' }).click();
  const banner = page.getByRole('status').filter({ hasText: `You're signed up, ${name}!` });
  await banner.waitFor({ timeout: 10_000 });
  // The email service subscribed before anyone signed up (on either routing): no "no subscriber yet" warning.
  expect(await banner.locator('.note').count()).toBe(0);
}

const mailboxItem = (page: Page, email: string) => page.locator('#mailbox-list li', { hasText: `To ${email}` });

function mailsTo(box: SinkMessages, email: string): number {
  return box.messages.filter((m) => m.envelope.to.includes(email)).length;
}

describe.each(DEMO_PROFILES)('the signup demo in a browser, on the %s profile', (profile) => {
  let env: PrivateDemo | undefined;
  let demo: DemoProcesses;

  beforeAll(async () => {
    env = await privateDemoConfig(profile);
    demo = new DemoProcesses(env);
    await demo.startAll();
  }, 120_000);

  afterAll(async () => {
    await demo?.stopAll();
    const keep = process.env.DEMO_E2E_KEEP !== undefined;
    await env?.remove({ keepDir: keep });
    if (keep && env !== undefined) console.log(`kept ${env.dir}`);
  });

  it('sends the welcome email, and keeps signups working while the email service is down', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(demo.specs.url);
    expect(await page.title()).toBe('Sign up · Resolute demo');
    // The footer names the bus backend the website really runs on.
    expect(await page.locator('footer strong').textContent()).toBe(`${profile} (${env!.transport} + ${env!.store})`);
    await page.locator('#mailbox-status', { hasText: '0 welcome emails received' }).waitFor({ timeout: 10_000 });

    // Server-side validation, shown on the page next to the fields.
    await page.getByLabel('Email address', { exact: true }).fill('not-an-address');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('alert').filter({ hasText: 'Enter your name.' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#email-error').textContent()).toContain('Enter an email address in the form name@example.com.');
    expect(await page.getByLabel('Email address', { exact: true }).getAttribute('aria-invalid')).toBe('true');

    // 1. Everything up: the email shows up in the mailbox panel.
    await signUp(page, 'Ada Lovelace', 'ada@example.com');
    await mailboxItem(page, 'ada@example.com').waitFor({ timeout: 15_000 });
    expect(await mailboxItem(page, 'ada@example.com').locator('.subject').textContent()).toBe('Welcome to Resolute, Ada Lovelace!');

    // 2. The email service is down: people can still sign up; their events wait (zmq: in the website's outbox; amqp:
    // in the email service's queue at RabbitMQ; redis: in the email service's consumer group on the topic's stream).
    expect(await demo.running.get('email')!.stop()).toEqual({ code: 0, signal: null });
    await signUp(page, 'Grace Hopper', 'grace@example.com');
    await signUp(page, 'Linus Torvalds', 'linus@example.com');
    const whileDown = await demo.sinkMessages();
    expect(mailsTo(whileDown, 'grace@example.com') + mailsTo(whileDown, 'linus@example.com')).toBe(0);

    // 3. It comes back: both emails arrive, each once.
    await demo.start(demo.specs.email);
    await mailboxItem(page, 'grace@example.com').waitFor({ timeout: 30_000 });
    await mailboxItem(page, 'linus@example.com').waitFor({ timeout: 30_000 });
    const box = await demo.sinkMessages();
    for (const email of ['ada@example.com', 'grace@example.com', 'linus@example.com']) expect(mailsTo(box, email)).toBe(1);
    expect(box).toMatchObject({ count: 3, duplicates: 0 });
    expect(new Set(box.messages.map((m) => m.messageId)).size).toBe(3);
    await page.locator('#mailbox-status', { hasText: '3 welcome emails received · 0 duplicates dropped' }).waitFor({ timeout: 5_000 });
    expect(await page.locator('#mailbox-list li').count()).toBe(3);

    const screenshot = join(env!.dir, `signup-demo-${profile}.png`);
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`screenshot: ${screenshot}`);
  }, 120_000);
});
