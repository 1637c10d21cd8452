import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@resolute/core/testing';
import { createConsoleLogger } from 'demo-kit';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildSignupServer, type MailboxView, type SignupPublisher, type UserSignedUpEvent, UserStore, USERS_FILE } from '../src/index.js';

const logger = createConsoleLogger({ level: 'silent' });
let dir: string;
let users: UserStore;
let app: FastifyInstance;

interface PendingPublish {
  topic: string;
  payload: UserSignedUpEvent;
  resolve(receipt: { id: string; deliveries: number }): void;
  reject(error: Error): void;
}

/** A publisher whose publish() resolves only when the test says so: stands in for the bus's durable outbox write. */
class ControlledPublisher implements SignupPublisher {
  readonly calls: PendingPublish[] = [];
  publish(topic: string, payload: UserSignedUpEvent): Promise<{ id: string; deliveries: number }> {
    return new Promise((resolve, reject) => this.calls.push({ topic, payload, resolve, reject }));
  }
}

let publisher: ControlledPublisher;

function build(mailbox?: (url: string) => Promise<MailboxView>): FastifyInstance {
  app = buildSignupServer({ users, publisher, logger, backend: 'zmq (zmq-peer + level)', mailboxUrl: 'http://sink.invalid/messages', ...(mailbox ? { readMailbox: mailbox } : {}) });
  return app;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signup-route-'));
  users = await UserStore.open(dir);
  publisher = new ControlledPublisher();
});

afterEach(async () => {
  await app?.close();
  await users.close();
  await rm(dir, { recursive: true, force: true });
});

const form = (fields: Record<string, string>) => ({
  method: 'POST' as const,
  url: '/signup',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  payload: new URLSearchParams(fields).toString(),
});

describe('POST /signup', () => {
  it('answers only after the user is on disk and the publish resolved (the event is durable)', async () => {
    build();
    let answered = false;
    const response = app.inject(form({ name: 'Ada Lovelace', email: 'ada@example.com' })).then((r) => {
      answered = true;
      return r;
    });
    await waitFor(() => publisher.calls.length === 1, { message: 'publish to be called' });
    const call = publisher.calls[0]!;
    expect(call.topic).toBe('user.signedUp');
    expect(call.payload).toEqual({ userId: expect.any(String), name: 'Ada Lovelace', email: 'ada@example.com', signedUpAt: expect.any(String) });
    // The user was written before the event was published.
    expect(await readFile(join(dir, USERS_FILE), 'utf8')).toContain('"email":"ada@example.com"');
    // Publish has not resolved: no answer yet, however long we give it.
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    call.resolve({ id: '01MSG', deliveries: 1 });
    const reply = await response;
    expect(reply.statusCode).toBe(201);
    expect(reply.headers['content-type']).toContain('text/html');
    expect(reply.body).toContain("You're signed up, Ada Lovelace!");
    expect(users.unpublished()).toEqual([]);
  });

  it('shows the validation messages on the page, with what was typed, and publishes nothing', async () => {
    build();
    const reply = await app.inject(form({ name: '', email: 'ada@' }));
    expect(reply.statusCode).toBe(400);
    expect(reply.body).toContain('Enter your name.');
    expect(reply.body).toContain('Enter an email address in the form name@example.com.');
    expect(reply.body).toMatch(/<input id="email"[^>]*value="ada@"/);
    expect(publisher.calls).toHaveLength(0);
    expect(users.size).toBe(0);
  });

  it('says when the email is already signed up', async () => {
    build();
    const first = app.inject(form({ name: 'Ada', email: 'ada@example.com' }));
    await waitFor(() => publisher.calls.length === 1);
    publisher.calls[0]!.resolve({ id: '01MSG', deliveries: 1 });
    await first;
    const reply = await app.inject(form({ name: 'Ada again', email: 'Ada@Example.com' }));
    expect(reply.statusCode).toBe(409);
    expect(reply.body).toContain('Ada@Example.com is already signed up. Use another email address.');
  });

  it('speaks JSON to JSON clients', async () => {
    build();
    const bad = await app.inject({ method: 'POST', url: '/signup', payload: { name: 'Ada' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ ok: false, errors: { email: 'Enter your email address.' } });
    const good = app.inject({ method: 'POST', url: '/signup', payload: { name: 'Ada', email: 'ada@example.com' } });
    await waitFor(() => publisher.calls.length === 1);
    publisher.calls[0]!.resolve({ id: '01MSG', deliveries: 1 });
    expect((await good).json()).toMatchObject({ ok: true, messageId: '01MSG', deliveries: 1, user: { email: 'ada@example.com' } });
  });

  it('keeps the user for a later publish when publishing fails, and says so', async () => {
    build();
    const reply = app.inject(form({ name: 'Ada', email: 'ada@example.com' }));
    await waitFor(() => publisher.calls.length === 1);
    publisher.calls[0]!.reject(new Error('store closed'));
    const answered = await reply;
    expect(answered.statusCode).toBe(503);
    expect(answered.body).toContain('Your account is saved, but your welcome email could not be queued right now');
    expect(users.unpublished().map((u) => u.email)).toEqual(['ada@example.com']);
  });

  it('warns on the page when no service subscribes to signups yet', async () => {
    build();
    const reply = app.inject(form({ name: 'Ada', email: 'ada@example.com' }));
    await waitFor(() => publisher.calls.length === 1);
    publisher.calls[0]!.resolve({ id: '01MSG', deliveries: 0 });
    const answered = await reply;
    expect(answered.statusCode).toBe(201);
    expect(answered.body).toContain('No email service has subscribed to signups yet');
  });
});

describe('the other routes', () => {
  it('serve the page, its assets, the mailbox and the health check', async () => {
    build(async (url) => {
      expect(url).toBe('http://sink.invalid/messages');
      return { available: true, count: 0, duplicates: 0, messages: [] };
    });
    const page = await app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<h1 id="signup-title">Create your account</h1>');
    expect((await app.inject({ url: '/style.css' })).headers['content-type']).toContain('text/css');
    expect((await app.inject({ url: '/mailbox.js' })).body).toContain("fetch('/mailbox'");
    expect((await app.inject({ url: '/mailbox' })).json()).toEqual({ available: true, count: 0, duplicates: 0, messages: [] });
    expect((await app.inject({ url: '/healthz' })).json()).toMatchObject({ ok: true, users: 0, backend: 'zmq (zmq-peer + level)' });
  });
});
