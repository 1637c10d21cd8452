import type { AddressInfo } from 'node:net';
import type { Logger } from '@resolute/core';
import { buildHttpApi } from './http-api.js';
import { Mailbox } from './mailbox.js';
import type { SinkConfig } from './sink-config.js';
import { startSmtpListener } from './smtp-listener.js';

export interface SmtpSink {
  readonly smtpPort: number;
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:3025 */
  readonly httpUrl: string;
  readonly mailbox: Mailbox;
  /** Stops both servers (SMTP sessions get 2 s to finish) and closes the mailbox file. Safe to call twice. */
  close(): Promise<void>;
}

/** Starts the SMTP server and the HTTP API over one mailbox kept in `dataDir` (an absolute path). */
export async function startSmtpSink(config: SinkConfig, logger: Logger): Promise<SmtpSink> {
  const mailbox = await Mailbox.open(config.dataDir);
  const smtp = await startSmtpListener({ host: config.host, port: config.smtpPort, maxMessageBytes: config.maxMessageBytes, mailbox, logger });
  const http = buildHttpApi(mailbox);
  try {
    await http.listen({ host: config.host, port: config.httpPort });
  } catch (error) {
    await smtp.close();
    await mailbox.close();
    throw error;
  }
  const { port: httpPort } = http.server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    smtpPort: smtp.port,
    httpUrl: `http://${config.host}:${httpPort}`,
    mailbox,
    close() {
      closing ??= (async () => {
        await Promise.all([smtp.close(), http.close()]);
        await mailbox.close();
      })();
      return closing;
    },
  };
}
