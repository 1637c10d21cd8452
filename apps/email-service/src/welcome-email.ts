import { z } from 'zod';

/** What the email service needs from a `user.signedUp` event (other fields are ignored: a tolerant reader). */
export const userSignedUpSchema = z.looseObject({
  userId: z.string().min(1),
  name: z.string().min(1).max(200),
  email: z.email(),
  signedUpAt: z.string().min(1),
});

export type UserSignedUp = z.output<typeof userSignedUpSchema>;

/** A message ready for nodemailer's sendMail. */
export interface WelcomeEmail {
  from: string;
  to: { name: string; address: string };
  subject: string;
  text: string;
  html: string;
  /** `<bus message id@resolute.demo>`: the same for every redelivery of one event, so receivers can drop repeats. */
  messageId: string;
  headers: Record<string, string>;
}

export const MESSAGE_ID_DOMAIN = 'resolute.demo';

/** The Message-ID header for the email sent because of bus message `busMessageId`. */
export function messageIdFor(busMessageId: string): string {
  return `<${busMessageId}@${MESSAGE_ID_DOMAIN}>`;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** Control characters out (no header tricks through a name), whitespace runs to one space. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
}

function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toUTCString();
}

/** Renders the welcome email (plain text and simple HTML) for one signup. */
export function renderWelcomeEmail(user: UserSignedUp, options: { from: string; busMessageId: string }): WelcomeEmail {
  const name = clean(user.name);
  const when = formatDate(user.signedUpAt);
  const subject = `Welcome to Resolute, ${name}!`;
  const text = [
    `Hello ${name},`,
    '',
    `thanks for signing up on ${when}. Your account is ready and this address (${user.email}) is the one we have on file.`,
    '',
    'This email was sent by the email service after it received the user.signedUp event the website published.',
    'Had the email service or the mail server been down, the event would have waited in a queue and this email',
    'would have arrived a little later. Nothing is lost.',
    '',
    '-- The Resolute demo',
  ].join('\n');
  const html = [
    '<!doctype html>',
    `<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family: system-ui, sans-serif; color: #1f2933; line-height: 1.5">',
    `<h1 style="font-size: 1.4em">Welcome, ${escapeHtml(name)}!</h1>`,
    `<p>Thanks for signing up on ${escapeHtml(when)}. Your account is ready and <strong>${escapeHtml(user.email)}</strong> is the address we have on file.</p>`,
    '<p>This email was sent by the email service after it received the <code>user.signedUp</code> event the website published. Had the email service or the mail server been down, the event would have waited in a queue and this email would have arrived a little later. Nothing is lost.</p>',
    '<p style="color: #616e7c">&mdash; The Resolute demo</p>',
    '</body></html>',
  ].join('\n');
  return {
    from: options.from,
    to: { name, address: user.email },
    subject,
    text,
    html,
    messageId: messageIdFor(options.busMessageId),
    headers: { 'X-Resolute-User-Id': clean(user.userId) },
  };
}
