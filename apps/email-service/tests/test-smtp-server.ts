import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  messageId: string | undefined;
  raw: string;
}

export interface TestSmtpServer {
  readonly mails: ReceivedMail[];
  close(): Promise<void>;
}

export interface TestSmtpOptions {
  /** Refuse every recipient with this reply code (e.g. 550). */
  refuseWith?: number;
  /** Called before the server answers DATA; the 250 goes out when the returned promise resolves. */
  beforeAccept?: () => Promise<void>;
}

/** A minimal SMTP server on a fixed port that records what it accepted. */
export async function startTestSmtpServer(port: number, options: TestSmtpOptions = {}): Promise<TestSmtpServer> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 500,
    onRcptTo(address, _session, callback) {
      if (options.refuseWith === undefined) return callback();
      callback(Object.assign(new Error(`${address.address}: no such mailbox`), { responseCode: options.refuseWith }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const messageId = /^Message-ID:\s*(.+)$/im.exec(raw)?.[1]?.trim();
        (options.beforeAccept?.() ?? Promise.resolve()).then(
          () => {
            mails.push({ to: session.envelope.rcptTo.map((r) => r.address), messageId, raw });
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
