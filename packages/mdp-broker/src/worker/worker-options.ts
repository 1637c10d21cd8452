import { ResoluteError, silentLogger, type Logger } from '@resolute/core';
import { z } from 'zod';
import { curveClientSchema } from '../security/curve-options.js';

export const workerOptionsSchema = z
  .object({
    /** The broker's endpoint, e.g. tcp://127.0.0.1:5555. */
    broker: z.string().regex(/^(tcp|ipc|inproc):\/\/.+/, 'must be an endpoint like tcp://127.0.0.1:5555'),
    /** The one service this worker serves (printable ASCII, not mmi.*). */
    service: z
      .string()
      .regex(/^[\x20-\x7e]{1,255}$/, 'must be 1..255 printable ASCII characters')
      .refine((name) => !name.startsWith('mmi.'), 'mmi.* names belong to the broker'),
    /** Requests served at once: one MDP worker connection (DEALER) each, because MDP gives a worker one request at a time. */
    concurrency: z.number().int().positive().max(1_000).default(1),
    /** Heartbeat period; must match the broker's. */
    heartbeatIntervalMs: z.number().int().positive().default(2_500),
    /** The broker counts as lost after this many silent intervals: the worker reconnects on a new socket. */
    heartbeatLiveness: z.number().int().min(2).default(3),
    /** Pause before reconnecting after a DISCONNECT or a lost broker. */
    reconnectDelayMs: z.number().int().nonnegative().default(500),
    /** close() waits this long for handlers in progress before closing the sockets. */
    drainTimeoutMs: z.number().int().nonnegative().default(5_000),
    /** CURVE security: the broker's public key (serverKey) and this peer's key pair, all Z85. Without it, plain TCP. */
    curve: curveClientSchema.optional(),
  })
  .strict();

export type WorkerOptions = z.input<typeof workerOptionsSchema> & { logger?: Logger };
export type ResolvedWorkerOptions = z.output<typeof workerOptionsSchema> & { logger: Logger };

export function resolveWorkerOptions(options: WorkerOptions): ResolvedWorkerOptions {
  const { logger = silentLogger, ...rest } = options;
  const parsed = workerOptionsSchema.safeParse(rest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || '(options)';
    throw new ResoluteError('INVALID_CONFIG', `Worker option ${field}: ${issue?.message ?? 'invalid'}`, { retryable: false, details: { field } });
  }
  return { ...parsed.data, logger };
}
