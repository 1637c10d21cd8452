/** What the signup form sends, after trimming. */
export interface SignupInput {
  name: string;
  email: string;
}

export type SignupField = keyof SignupInput;
export type SignupErrors = Partial<Record<SignupField, string>>;

export type SignupValidation = { ok: true; value: SignupInput } | { ok: false; errors: SignupErrors; values: SignupInput };

export const NAME_MAX = 100;
export const EMAIL_MAX = 254;

/** Messages shown next to the fields: each says what to do. */
export const MESSAGES = {
  nameMissing: 'Enter your name.',
  nameTooLong: `Your name is too long: use at most ${NAME_MAX} characters.`,
  nameInvalid: 'Your name contains characters that cannot be used (such as line breaks or control characters).',
  emailMissing: 'Enter your email address.',
  emailTooLong: `That email address is too long: use at most ${EMAIL_MAX} characters.`,
  emailInvalid: 'Enter an email address in the form name@example.com.',
  emailTaken: (email: string) => `${email} is already signed up. Use another email address.`,
} as const;

// One @, no spaces, a dot in the domain part: strict enough for a form, lenient enough for real addresses.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/** Validates a signup on the server (the page's own checks are only a convenience). */
export function validateSignup(body: unknown): SignupValidation {
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const values: SignupInput = { name: text(fields.name), email: text(fields.email) };
  const errors: SignupErrors = {};
  if (values.name === '') errors.name = MESSAGES.nameMissing;
  else if ([...values.name].length > NAME_MAX) errors.name = MESSAGES.nameTooLong;
  else if (CONTROL.test(values.name)) errors.name = MESSAGES.nameInvalid;
  if (values.email === '') errors.email = MESSAGES.emailMissing;
  else if (values.email.length > EMAIL_MAX) errors.email = MESSAGES.emailTooLong;
  else if (!EMAIL_PATTERN.test(values.email)) errors.email = MESSAGES.emailInvalid;
  return Object.keys(errors).length === 0 ? { ok: true, value: values } : { ok: false, errors, values };
}
