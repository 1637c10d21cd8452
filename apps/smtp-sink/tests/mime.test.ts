import { describe, expect, it } from 'vitest';
import { decodeWords, parseMail } from '../src/index.js';
import { compose } from './compose.js';

describe('parseMail', () => {
  it('reads what nodemailer sends: headers, encoded subject, text and html parts', async () => {
    const raw = await compose({
      to: 'Zoë Ångström <zoe@example.com>',
      subject: 'Welcome to Resolute, Zoë Ångström! ✉',
      text: 'Hello Zoë,\n\nthanks for signing up. A long line follows so that quoted-printable has to wrap it: ' + 'x'.repeat(120),
      html: '<p>Hello <b>Zoë</b></p>',
      messageId: '<01ABC@resolute.demo>',
    });
    const mail = parseMail(raw);
    expect(mail.messageId).toBe('<01ABC@resolute.demo>');
    expect(mail.subject).toBe('Welcome to Resolute, Zoë Ångström! ✉');
    expect(mail.to).toContain('zoe@example.com');
    expect(mail.from).toContain('welcome@resolute.demo');
    expect(mail.text).toBe('Hello Zoë,\n\nthanks for signing up. A long line follows so that quoted-printable has to wrap it: ' + 'x'.repeat(120));
    expect(mail.html).toBe('<p>Hello <b>Zoë</b></p>');
    expect(mail.date).toBeDefined();
  });

  it('reads a plain single-part message and one without a Message-ID', () => {
    const mail = parseMail('Subject: hi\r\nFrom: a@b.c\r\nTo: d@e.f\r\n\r\nbody line 1\r\nline 2\r\n');
    expect(mail).toMatchObject({ messageId: undefined, subject: 'hi', text: 'body line 1\nline 2', html: undefined });
  });

  it('decodes RFC 2047 words, B and Q, joining adjacent ones', () => {
    expect(decodeWords('=?UTF-8?B?WsO2ZQ==?= =?UTF-8?Q?_=C3=85?=')).toBe('Zöe Å');
    expect(decodeWords('plain')).toBe('plain');
  });
});
