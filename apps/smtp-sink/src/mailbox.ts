import { JsonLinesLog } from 'demo-kit';
import type { ParsedMail } from './mime.js';

/** A mail as the sink keeps it. */
export interface StoredMail extends ParsedMail {
  /** 1, 2, 3… in the order the sink accepted them. */
  seq: number;
  /** The SMTP envelope (MAIL FROM, RCPT TO), which may differ from the From/To headers. */
  envelope: { from: string; to: string[] };
  receivedAt: string;
  /** Bytes of the raw message. */
  size: number;
}

/** A mail whose Message-ID the sink had already accepted: counted, not kept twice. */
export interface DuplicateMail {
  messageId: string;
  envelopeTo: string[];
  receivedAt: string;
}

export interface MailboxSnapshot {
  /** Distinct mails (by Message-ID). */
  count: number;
  /** Mails received again with a Message-ID already in the mailbox. */
  duplicates: number;
  duplicateMessageIds: string[];
  messages: StoredMail[];
}

export const MAILBOX_FILE = 'messages.jsonl';

type Line = ({ type: 'mail' } & StoredMail) | ({ type: 'duplicate' } & DuplicateMail);

/**
 * The sink's mailbox: in memory, and appended to `messages.jsonl` in its data directory (fsync'd before `add`
 * resolves, so a mail the sink accepted survives a restart). Mails are deduplicated by Message-ID: a second mail with
 * the same id is recorded as a duplicate, which is how the demo shows that a redelivered bus message sent no second
 * email.
 */
export class Mailbox {
  private readonly mails: StoredMail[] = [];
  private readonly byMessageId = new Set<string>();
  private readonly duplicates: DuplicateMail[] = [];
  private lastSeq = 0;

  private constructor(private readonly log: JsonLinesLog<Line>) {}

  /** Opens (creating `dir` if needed) and loads what an earlier run kept. */
  static async open(dir: string): Promise<Mailbox> {
    const { log, records } = await JsonLinesLog.open<Line>(dir, MAILBOX_FILE);
    const mailbox = new Mailbox(log);
    for (const record of records) {
      if (record.type === 'mail') {
        const { type: _type, ...mail } = record;
        mailbox.remember(mail);
      } else if (record.type === 'duplicate') {
        const { type: _type, ...duplicate } = record;
        mailbox.duplicates.push(duplicate);
      }
    }
    return mailbox;
  }

  /** Path of `messages.jsonl`. */
  get file(): string {
    return this.log.file;
  }

  /** Keeps a mail (or counts it as a duplicate); resolves once that is on disk. */
  async add(parsed: ParsedMail, envelope: StoredMail['envelope'], size: number): Promise<{ duplicate: boolean; seq: number | undefined }> {
    const receivedAt = new Date().toISOString();
    const key = parsed.messageId?.trim();
    if (key !== undefined && this.byMessageId.has(key)) {
      const duplicate: DuplicateMail = { messageId: key, envelopeTo: envelope.to, receivedAt };
      this.duplicates.push(duplicate);
      await this.log.append({ type: 'duplicate', ...duplicate });
      return { duplicate: true, seq: undefined };
    }
    const mail: StoredMail = { ...parsed, seq: this.lastSeq + 1, envelope, receivedAt, size };
    this.remember(mail);
    try {
      await this.log.append({ type: 'mail', ...mail });
    } catch (error) {
      this.forget(mail); // not kept: the sender is told to try again, and that try must not count as a duplicate
      throw error;
    }
    return { duplicate: false, seq: mail.seq };
  }

  snapshot(): MailboxSnapshot {
    return {
      count: this.mails.length,
      duplicates: this.duplicates.length,
      duplicateMessageIds: [...new Set(this.duplicates.map((d) => d.messageId))],
      messages: [...this.mails],
    };
  }

  /** Waits for pending writes, then closes the file. */
  close(): Promise<void> {
    return this.log.close();
  }

  private remember(mail: StoredMail): void {
    this.mails.push(mail);
    this.lastSeq = Math.max(this.lastSeq, mail.seq);
    if (mail.messageId !== undefined) this.byMessageId.add(mail.messageId.trim());
  }

  private forget(mail: StoredMail): void {
    const at = this.mails.indexOf(mail);
    if (at >= 0) this.mails.splice(at, 1);
    if (mail.messageId !== undefined) this.byMessageId.delete(mail.messageId.trim());
  }
}
