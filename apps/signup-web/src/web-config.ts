import { z } from 'zod';

/** The `signupWeb` section of resolute.config.json. */
export const webConfigSchema = z
  .object({
    /** Where the website listens (port 0: any free port). */
    http: z.object({ host: z.string().min(1).default('127.0.0.1'), port: z.number().int().min(0).max(65_535).default(3000) }).strict(),
    /** Where users.jsonl is kept (relative: from the config file's directory). */
    dataDir: z.string().min(1),
    /** The SMTP sink's GET /messages, shown as the demo mailbox; omitted: no mailbox panel. */
    mailboxUrl: z.url().optional(),
  })
  .strict();

export type WebConfig = z.output<typeof webConfigSchema>;
