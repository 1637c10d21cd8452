import type { AddressInfo } from 'node:net';
import type { Logger } from '@resolute/core';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Mailbox } from './mailbox.js';
import { parseMail } from './mime.js';

export interface SmtpListenerOptions {
  host: string;
  port: number;
  maxMessageBytes: number;
  mailbox: Mailbox;
  logger: Logger;
}

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

function readAll(stream: SMTPServerDataStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('error', reject);
    stream.once('end', () => resolve(Buffer.concat(chunks)));
  });
}

function address(value: SMTPServerSession['envelope']['mailFrom']): string {
  return value === false ? '' : value.address;
}

/**
 * The SMTP side of the sink: accepts any sender and recipient (no TLS, optional AUTH with any password: it is a local
 * test server), answers 250 only once the mail is in the mailbox on disk, 451 (try again later) if that failed.
 */
export async function startSmtpListener(options: SmtpListenerOptions): Promise<{ port: number; close(): Promise<void> }> {
  const { mailbox, logger } = options;
  const server = new SMTPServer({
    name: 'resolute-smtp-sink',
    banner: 'Resolute demo SMTP sink',
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    size: options.maxMessageBytes,
    closeTimeout: 2_000,
    logger: false,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? 'anonymous' });
    },
    onData(stream, session, callback) {
      readAll(stream)
        .then(async (raw) => {
          if (stream.sizeExceeded) return callback(smtpError(`message larger than ${options.maxMessageBytes} bytes`, 552));
          const parsed = parseMail(raw.toString('utf8'));
          const envelope = { from: address(session.envelope.mailFrom), to: session.envelope.rcptTo.map((r) => r.address) };
          const { duplicate, seq } = await mailbox.add(parsed, envelope, raw.length);
          if (duplicate) logger.warn({ messageId: parsed.messageId, to: envelope.to.join(',') }, 'duplicate Message-ID: counted, not kept twice');
          else logger.info({ seq, to: envelope.to.join(','), subject: parsed.subject, messageId: parsed.messageId }, 'mail received');
          callback();
        })
        .catch((error: unknown) => {
          logger.error({ err: error }, 'could not keep a mail: the sender is told to try again');
          callback(smtpError('could not store the message, try again later', 451));
        });
    },
  });
  server.on('error', (error) => logger.warn({ err: error }, 'SMTP connection error'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
