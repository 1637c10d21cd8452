import { ResoluteError, silentLogger, type Logger } from '@resolute/core';
import { z } from 'zod';
import { curveServerSchema } from '../security/curve-options.js';

const endpoint = z.string().regex(/^(tcp|ipc|inproc):\/\/.+/, 'must be an endpoint like tcp://127.0.0.1:5555');

export const brokerOptionsSchema = z
  .object({
    /** Where the broker's ROUTER binds, e.g. tcp://127.0.0.1:5555. Clients and workers of both MDP versions connect here. */
    bind: endpoint,
    /** How often the broker sends HEARTBEAT to each worker and checks liveness. Must match the workers' setting. */
    heartbeatIntervalMs: z.number().int().positive().default(2_500),
    /** A worker silent for this many intervals is dropped (its request is requeued when nothing was relayed yet). */
    heartbeatLiveness: z.number().int().min(2).default(3),
    /** A request waiting this long for a worker of its service is dropped and counted (18/MDP: "SHOULD expire"). */
    requestExpiryMs: z.number().int().positive().default(30_000),
    /** How many times one request may be sent to a worker; a worker lost mid-request uses one. */
    maxAttempts: z.number().int().positive().default(3),
    /** close() waits this long for requests in progress at workers to finish before disconnecting them. */
    drainTimeoutMs: z.number().int().nonnegative().default(5_000),
    /**
     * CURVE security: the broker's key pair (Z85), and optionally `allow`, the public keys of the workers and clients
     * let in (checked by a ZAP handler; others are refused and counted as peersRefused). Without it, plain TCP.
     */
    curve: curveServerSchema.optional(),
  })
  .strict();

export type BrokerOptions = z.input<typeof brokerOptionsSchema> & { logger?: Logger };
export type ResolvedBrokerOptions = z.output<typeof brokerOptionsSchema> & { logger: Logger };

/** Applies the defaults and validates; bad options throw INVALID_CONFIG naming the field. */
export function resolveBrokerOptions(options: BrokerOptions): ResolvedBrokerOptions {
  const { logger = silentLogger, ...rest } = options;
  const parsed = brokerOptionsSchema.safeParse(rest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || '(options)';
    throw new ResoluteError('INVALID_CONFIG', `Broker option ${field}: ${issue?.message ?? 'invalid'}`, { retryable: false, details: { field } });
  }
  return { ...parsed.data, logger };
}
