import { z } from 'zod';

const port = z.number().int().min(0).max(65_535);

export const smtpSettingsSchema = z
  .object({
    host: z.string().min(1),
    port: port.default(587),
    /** true: TLS from the first byte (port 465). false: plain, upgraded with STARTTLS when the server offers it. */
    secure: z.boolean().default(false),
    auth: z.object({ user: z.string().min(1), pass: z.string() }).strict().optional(),
    /** A server that does not answer within these times counts as down: the send fails and is retried. */
    connectionTimeoutMs: z.number().int().positive().default(5_000),
    socketTimeoutMs: z.number().int().positive().default(15_000),
  })
  .strict();

/** The `emailService` section of resolute.config.json. */
export const emailServiceConfigSchema = z
  .object({
    /** Where GET /healthz listens (port 0: any free port). */
    http: z.object({ host: z.string().min(1).default('127.0.0.1'), port: port.default(3001) }).strict().default({ host: '127.0.0.1', port: 3001 }),
    /** The SMTP server welcome emails go to: the demo's sink, or a real relay. */
    smtp: smtpSettingsSchema,
    /** The From of welcome emails. */
    from: z.string().min(1),
  })
  .strict();

export type SmtpSettings = z.output<typeof smtpSettingsSchema>;
export type EmailServiceConfig = z.output<typeof emailServiceConfigSchema>;

/**
 * Environment overrides for the SMTP server, so one config file serves the demo sink and a real host:
 * SMTP_HOST, SMTP_PORT, SMTP_SECURE (true/false), SMTP_USER with SMTP_PASS.
 */
export function smtpSettingsFromEnv(settings: SmtpSettings, env: Record<string, string | undefined> = process.env): SmtpSettings {
  const input: Record<string, unknown> = { ...settings };
  if (env.SMTP_HOST) input.host = env.SMTP_HOST;
  if (env.SMTP_PORT) input.port = Number(env.SMTP_PORT);
  if (env.SMTP_SECURE) input.secure = env.SMTP_SECURE === 'true' || env.SMTP_SECURE === '1';
  if (env.SMTP_USER) input.auth = { user: env.SMTP_USER, pass: env.SMTP_PASS ?? '' };
  const parsed = smtpSettingsSchema.safeParse(input);
  if (!parsed.success) {
    throw new Error(`SMTP settings from the environment are invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')} (check SMTP_HOST, SMTP_PORT, SMTP_SECURE)`);
  }
  return parsed.data;
}
