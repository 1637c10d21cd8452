import { ResoluteError, UnrecoverableError } from '@resolute/core';
import nodemailer from 'nodemailer';
import type { SmtpSettings } from './email-config.js';
import type { WelcomeEmail } from './welcome-email.js';

export interface SentMail {
  /** The server's reply, e.g. "250 OK: message queued". */
  response: string;
  messageId: string;
}

/** Sends one email; resolves only once the SMTP server accepted it (its 250 reply to DATA). */
export interface MailSender {
  send(mail: WelcomeEmail): Promise<SentMail>;
  close(): void;
}

/** SMTP replies that mean "this will never work" even if tried again, short of someone fixing something. */
function isPermanent(responseCode: number | undefined, code: string | undefined): boolean {
  if (code === 'EAUTH') return false; // bad credentials: an operator fixes the config, then the retries succeed
  return responseCode !== undefined && responseCode >= 500 && responseCode < 600;
}

/**
 * Maps a nodemailer failure to the bus's error family: a 5xx reply (mailbox does not exist, message refused) is an
 * UnrecoverableError, so the event goes to the dead letters at once; anything else (connection refused, timeout,
 * 4xx "try later", bad credentials) is retryable, so the bus tries again with backoff.
 */
export function mapSmtpError(error: unknown, server: string): Error {
  const { responseCode, code, response } = (error ?? {}) as { responseCode?: number; code?: string; response?: string };
  const reason = response ?? (error instanceof Error ? error.message : String(error));
  if (isPermanent(responseCode, code)) {
    return new UnrecoverableError(`SMTP server ${server} refused the mail for good (${reason}): fix the address or the server's policy`, {
      cause: error,
      details: { responseCode, code },
    });
  }
  return new ResoluteError('UNREACHABLE', `SMTP server ${server} did not accept the mail (${code ?? responseCode ?? 'error'}: ${reason}): will try again`, {
    cause: error,
    retryable: true,
    details: { responseCode, code },
  });
}

/** A sender over SMTP with nodemailer, one connection per mail (the demo sends few; a busy service would pool). */
export function createSmtpSender(settings: SmtpSettings): MailSender {
  const server = `${settings.host}:${settings.port}`;
  const transporter = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    ...(settings.auth === undefined ? {} : { auth: settings.auth }),
    connectionTimeout: settings.connectionTimeoutMs,
    greetingTimeout: settings.connectionTimeoutMs,
    socketTimeout: settings.socketTimeoutMs,
  });
  return {
    async send(mail) {
      try {
        const info = await transporter.sendMail(mail);
        return { response: info.response, messageId: info.messageId };
      } catch (error) {
        throw mapSmtpError(error, server);
      }
    },
    close() {
      transporter.close();
    },
  };
}
