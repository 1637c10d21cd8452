import { z } from 'zod';

const port = z.number().int().min(0).max(65_535);

/** The `smtpSink` section of resolute.config.json. */
export const sinkConfigSchema = z
  .object({
    /** Interface both servers listen on. */
    host: z.string().min(1).default('127.0.0.1'),
    /** SMTP port (0: any free port). */
    smtpPort: port.default(2525),
    /** HTTP port of the mailbox API (0: any free port). */
    httpPort: port.default(3025),
    /** Where messages.jsonl is kept (relative: from the config file's directory). */
    dataDir: z.string().min(1),
    /** Largest message accepted, in bytes. */
    maxMessageBytes: z.number().int().positive().default(10 * 1024 * 1024),
  })
  .strict();

export type SinkConfig = z.output<typeof sinkConfigSchema>;
