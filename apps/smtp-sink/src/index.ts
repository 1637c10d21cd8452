export { startSmtpSink } from './sink.js';
export type { SmtpSink } from './sink.js';
export { sinkConfigSchema } from './sink-config.js';
export type { SinkConfig } from './sink-config.js';
export { Mailbox, MAILBOX_FILE } from './mailbox.js';
export type { DuplicateMail, MailboxSnapshot, StoredMail } from './mailbox.js';
export { decodeWords, parseHeaders, parseMail } from './mime.js';
export type { ParsedMail } from './mime.js';
export { buildHttpApi } from './http-api.js';
