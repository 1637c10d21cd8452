import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Mailbox, MAILBOX_FILE, type ParsedMail } from '../src/index.js';

let dir: string;
const open: Mailbox[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mailbox-'));
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((m) => m.close()));
  await rm(dir, { recursive: true, force: true });
});

async function mailbox(): Promise<Mailbox> {
  const m = await Mailbox.open(dir);
  open.push(m);
  return m;
}

function mail(messageId: string | undefined, to = 'ada@example.com'): ParsedMail {
  return { messageId, subject: `Welcome ${to}`, from: 'welcome@resolute.demo', to, date: undefined, text: 'hi', html: undefined };
}

const envelope = (to: string) => ({ from: 'welcome@resolute.demo', to: [to] });

describe('Mailbox', () => {
  it('keeps one mail per Message-ID and counts the repeats as duplicates', async () => {
    const box = await mailbox();
    expect(await box.add(mail('<1@resolute.demo>'), envelope('ada@example.com'), 100)).toEqual({ duplicate: false, seq: 1 });
    expect(await box.add(mail('<2@resolute.demo>', 'bob@example.com'), envelope('bob@example.com'), 100)).toEqual({ duplicate: false, seq: 2 });
    expect(await box.add(mail(' <1@resolute.demo> '), envelope('ada@example.com'), 100)).toEqual({ duplicate: true, seq: undefined });
    const snapshot = box.snapshot();
    expect(snapshot.count).toBe(2);
    expect(snapshot.duplicates).toBe(1);
    expect(snapshot.duplicateMessageIds).toEqual(['<1@resolute.demo>']);
    expect(snapshot.messages.map((m) => m.envelope.to[0])).toEqual(['ada@example.com', 'bob@example.com']);
  });

  it('never counts mails without a Message-ID as duplicates', async () => {
    const box = await mailbox();
    await box.add(mail(undefined), envelope('ada@example.com'), 10);
    await box.add(mail(undefined), envelope('ada@example.com'), 10);
    expect(box.snapshot()).toMatchObject({ count: 2, duplicates: 0 });
  });

  it('is on disk when add resolves, and comes back after a restart (a torn last line is skipped)', async () => {
    const first = await mailbox();
    await first.add(mail('<1@resolute.demo>'), envelope('ada@example.com'), 100);
    await first.add(mail('<1@resolute.demo>'), envelope('ada@example.com'), 100);
    expect((await readFile(join(dir, MAILBOX_FILE), 'utf8')).trim().split('\n')).toHaveLength(2);
    await first.close();
    open.splice(0);
    await appendFile(join(dir, MAILBOX_FILE), '{"type":"mail","seq":3,"mess');
    const second = await mailbox();
    expect(second.snapshot()).toMatchObject({ count: 1, duplicates: 1 });
    // Still deduplicated against what the earlier run kept, and numbering goes on.
    expect(await second.add(mail('<1@resolute.demo>'), envelope('ada@example.com'), 100)).toMatchObject({ duplicate: true });
    expect(await second.add(mail('<9@resolute.demo>'), envelope('ada@example.com'), 100)).toEqual({ duplicate: false, seq: 2 });
  });
});
