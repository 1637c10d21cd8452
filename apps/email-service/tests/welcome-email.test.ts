import { describe, expect, it } from 'vitest';
import { messageIdFor, renderWelcomeEmail, userSignedUpSchema } from '../src/index.js';

const user = { userId: '01USER', name: 'Ada Lovelace', email: 'ada@example.com', signedUpAt: '2026-01-02T03:04:05.000Z' };
const from = 'Resolute demo <welcome@resolute.demo>';

describe('renderWelcomeEmail', () => {
  it('addresses the new user by name in the subject, the text and the HTML', () => {
    const mail = renderWelcomeEmail(user, { from, busMessageId: '01MSG' });
    expect(mail.from).toBe(from);
    expect(mail.to).toEqual({ name: 'Ada Lovelace', address: 'ada@example.com' });
    expect(mail.subject).toBe('Welcome to Resolute, Ada Lovelace!');
    expect(mail.text).toMatch(/^Hello Ada Lovelace,\n/);
    expect(mail.text).toContain('ada@example.com');
    expect(mail.text).toContain('Fri, 02 Jan 2026 03:04:05 GMT');
    expect(mail.html).toContain('<h1 style="font-size: 1.4em">Welcome, Ada Lovelace!</h1>');
    expect(mail.html).toContain('<strong>ada@example.com</strong>');
    expect(mail.headers).toEqual({ 'X-Resolute-User-Id': '01USER' });
  });

  it('derives the Message-ID from the bus message id, so a redelivery carries the same one', () => {
    expect(renderWelcomeEmail(user, { from, busMessageId: '01MSG' }).messageId).toBe('<01MSG@resolute.demo>');
    expect(renderWelcomeEmail(user, { from, busMessageId: '01MSG' }).messageId).toBe(messageIdFor('01MSG'));
  });

  it('escapes the name in the HTML and keeps control characters out of the headers', () => {
    const mail = renderWelcomeEmail({ ...user, name: '<script>alert(1)</script>\r\nBcc: x@evil.test' }, { from, busMessageId: '01MSG' });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.to.name).toBe('<script>alert(1)</script> Bcc: x@evil.test');
  });
});

describe('userSignedUpSchema', () => {
  it('accepts the event the website publishes (extra fields ignored) and refuses one without an email', () => {
    expect(userSignedUpSchema.safeParse({ ...user, plan: 'free' }).success).toBe(true);
    const bad = userSignedUpSchema.safeParse({ ...user, email: 'not-an-address' });
    expect(bad.success).toBe(false);
  });
});
