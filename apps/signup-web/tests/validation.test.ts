import { describe, expect, it } from 'vitest';
import { MESSAGES, validateSignup } from '../src/index.js';

describe('validateSignup', () => {
  it('accepts a name and an email, trimmed', () => {
    expect(validateSignup({ name: '  Ada Lovelace ', email: ' ada@example.com ' })).toEqual({ ok: true, value: { name: 'Ada Lovelace', email: 'ada@example.com' } });
  });

  it('asks for both fields when they are missing or blank', () => {
    expect(validateSignup({ name: '   ' })).toEqual({ ok: false, errors: { name: 'Enter your name.', email: 'Enter your email address.' }, values: { name: '', email: '' } });
    expect(validateSignup(undefined)).toMatchObject({ ok: false, errors: { name: MESSAGES.nameMissing, email: MESSAGES.emailMissing } });
  });

  it('explains what an email address should look like', () => {
    for (const email of ['ada', 'ada@', '@example.com', 'ada@example', 'ada lovelace@example.com', 'a@b@c.d', 'ada@example..com']) {
      expect(validateSignup({ name: 'Ada', email })).toMatchObject({ ok: false, errors: { email: 'Enter an email address in the form name@example.com.' } });
    }
  });

  it('limits the lengths and refuses control characters in a name', () => {
    expect(validateSignup({ name: 'x'.repeat(101), email: 'a@b.co' })).toMatchObject({ errors: { name: 'Your name is too long: use at most 100 characters.' } });
    expect(validateSignup({ name: 'x'.repeat(100), email: 'a@b.co' }).ok).toBe(true);
    expect(validateSignup({ name: 'Ada\nBcc: x', email: 'a@b.co' })).toMatchObject({ errors: { name: MESSAGES.nameInvalid } });
    expect(validateSignup({ name: 'Ada', email: `${'a'.repeat(250)}@b.co` })).toMatchObject({ errors: { email: MESSAGES.emailTooLong } });
  });

  it('keeps what was typed, so the page can show it again', () => {
    expect(validateSignup({ name: 'Ada', email: 'nope' })).toMatchObject({ values: { name: 'Ada', email: 'nope' } });
  });

  it('accepts non-ASCII names and addresses with plus and subdomains', () => {
    expect(validateSignup({ name: 'Zoë Ångström', email: 'zoe+demo@mail.example.co.uk' }).ok).toBe(true);
  });
});
