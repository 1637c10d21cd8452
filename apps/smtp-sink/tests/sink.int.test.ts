import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConsoleLogger } from 'demo-kit';
import nodemailer from 'nodemailer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type MailboxSnapshot, type SmtpSink, startSmtpSink } from '../src/index.js';

const logger = createConsoleLogger({ level: 'silent' });
let dir: string;
const sinks: SmtpSink[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'smtp-sink-'));
});

afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

async function sink(smtpPort = 0): Promise<SmtpSink> {
  const started = await startSmtpSink({ host: '127.0.0.1', smtpPort, httpPort: 0, dataDir: dir, maxMessageBytes: 1024 * 1024 }, logger);
  sinks.push(started);
  return started;
}

function send(port: number, to: string, messageId: string) {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false });
  return transport.sendMail({ from: 'welcome@resolute.demo', to, subject: `Welcome ${to}`, text: 'Hello', html: '<p>Hello</p>', messageId });
}

async function messages(s: SmtpSink, query = ''): Promise<MailboxSnapshot> {
  const response = await fetch(`${s.httpUrl}/messages${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as MailboxSnapshot;
}

describe('the SMTP sink', () => {
  it('accepts mail over SMTP, serves it over HTTP, and reports a repeated Message-ID as a duplicate', async () => {
    const s = await sink();
    const info = await send(s.smtpPort, 'ada@example.com', '<m1@resolute.demo>');
    expect(info.response).toMatch(/^250/);
    await send(s.smtpPort, 'bob@example.com', '<m2@resolute.demo>');
    await send(s.smtpPort, 'ada@example.com', '<m1@resolute.demo>');
    const box = await messages(s);
    expect(box).toMatchObject({ count: 2, duplicates: 1, duplicateMessageIds: ['<m1@resolute.demo>'] });
    expect(box.messages[0]).toMatchObject({ seq: 1, messageId: '<m1@resolute.demo>', subject: 'Welcome ada@example.com', text: 'Hello', html: '<p>Hello</p>', envelope: { to: ['ada@example.com'] } });
    expect((await messages(s, '?to=BOB@example.com')).messages.map((m) => m.messageId)).toEqual(['<m2@resolute.demo>']);
    expect(await (await fetch(`${s.httpUrl}/healthz`)).json()).toEqual({ ok: true, count: 2 });
  });

  it('keeps its mailbox across a restart on the same data directory', async () => {
    const first = await sink();
    await send(first.smtpPort, 'ada@example.com', '<m1@resolute.demo>');
    await first.close();
    const second = await sink(first.smtpPort);
    await send(second.smtpPort, 'ada@example.com', '<m1@resolute.demo>');
    expect(await messages(second)).toMatchObject({ count: 1, duplicates: 1 });
  });
});
