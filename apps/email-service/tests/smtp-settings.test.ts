import { isUnrecoverable } from '@resolute/core';
import { describe, expect, it } from 'vitest';
import { emailServiceConfigSchema, mapSmtpError, smtpSettingsFromEnv } from '../src/index.js';

const smtpError = (fields: Record<string, unknown>) => Object.assign(new Error('smtp failed'), fields);

describe('mapSmtpError', () => {
  it('dead-letters a permanent 5xx refusal at once', () => {
    const error = mapSmtpError(smtpError({ responseCode: 550, code: 'EENVELOPE', response: '550 mailbox unavailable' }), 'mx:25');
    expect(isUnrecoverable(error)).toBe(true);
    expect(error.message).toContain('550 mailbox unavailable');
  });

  it('retries what may pass: connection refused, timeouts, 4xx, bad credentials', () => {
    for (const fields of [{ code: 'ECONNECTION' }, { code: 'ETIMEDOUT' }, { responseCode: 451, code: 'EMESSAGE' }, { responseCode: 535, code: 'EAUTH' }]) {
      const error = mapSmtpError(smtpError(fields), 'mx:25');
      expect(isUnrecoverable(error)).toBe(false);
      expect(error).toMatchObject({ code: 'UNREACHABLE', retryable: true });
    }
  });
});

describe('SMTP settings', () => {
  const settings = emailServiceConfigSchema.parse({ smtp: { host: '127.0.0.1', port: 2525 }, from: 'a@b.c' }).smtp;

  it('default to a plain connection with short timeouts, so an outage fails fast and is retried', () => {
    expect(settings).toMatchObject({ host: '127.0.0.1', port: 2525, secure: false, connectionTimeoutMs: 5_000 });
  });

  it('take SMTP_HOST, SMTP_PORT, SMTP_SECURE, SMTP_USER and SMTP_PASS from the environment', () => {
    expect(smtpSettingsFromEnv(settings, { SMTP_HOST: 'mail.example.com', SMTP_PORT: '465', SMTP_SECURE: 'true', SMTP_USER: 'u', SMTP_PASS: 'p' })).toMatchObject({
      host: 'mail.example.com',
      port: 465,
      secure: true,
      auth: { user: 'u', pass: 'p' },
    });
    expect(smtpSettingsFromEnv(settings, {})).toEqual(settings);
    expect(() => smtpSettingsFromEnv(settings, { SMTP_PORT: 'twenty-five' })).toThrow(/SMTP_PORT/);
  });

  it('name a bad field of the section', () => {
    const result = emailServiceConfigSchema.safeParse({ smtp: { host: '' }, from: 'a@b.c', extra: 1 });
    expect(result.success).toBe(false);
  });
});
