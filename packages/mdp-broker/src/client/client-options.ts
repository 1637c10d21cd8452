import { ResoluteError, silentLogger, type Logger } from '@resolute/core';
import { z } from 'zod';
import { curveClientSchema } from '../security/curve-options.js';

const endpoint = z.string().regex(/^(tcp|ipc|inproc):\/\/.+/, 'must be an endpoint like tcp://127.0.0.1:5555');

export const clientOptionsSchema = z
  .object({
    /** Broker endpoints. With several, `strategy` picks among them. */
    brokers: z.array(endpoint).min(1, 'list at least one broker endpoint'),
    /**
     * 'failover': every request goes to the current broker; a timed-out attempt moves the client to the next one.
     * 'round-robin': each attempt goes to the next broker in the list.
     */
    strategy: z.enum(['failover', 'round-robin']).default('failover'),
    /** Time an attempt may take until its FINAL reply (a PARTIAL does not extend it). */
    timeoutMs: z.number().int().positive().default(10_000),
    /** Extra attempts after a timeout, on the next broker, while no PARTIAL has arrived (a request may run twice). */
    retries: z.number().int().nonnegative().default(0),
    /**
     * When an attempt times out or is aborted, tell its broker with mmi.resolute.cancel (a Resolute extension: the
     * broker drops the request if still queued, or sends its worker DISCONNECT, which aborts the handler's
     * reply.signal). Other MDP brokers answer it 501 and nothing changes.
     */
    cancelAbandoned: z.boolean().default(true),
    /**
     * While a request is outstanding, send its broker mmi.resolute.alive every this many ms (0: never), on the
     * request's own socket. A Resolute broker that then hears nothing for its heartbeatLiveness x this interval takes
     * the client for dead and withdraws the request as if cancelled, so a killed client process does not leave a worker
     * busy. The first is sent one interval after the request: shorter requests cost nothing extra. Other MDP brokers
     * answer 501 and nothing changes.
     */
    heartbeatIntervalMs: z.number().int().nonnegative().default(2_500),
    /**
     * Reply cache, off by default: FINAL replies of requests sent with `{ cache: true }` are kept per (service, body)
     * for ttlMs and returned without a round trip; at most maxEntries, least recently used dropped first.
     */
    cache: z
      .object({
        ttlMs: z.number().int().positive(),
        maxEntries: z.number().int().positive().max(1_000_000).default(1_000),
      })
      .strict()
      .optional(),
    /** CURVE security: the broker's public key (serverKey) and this peer's key pair, all Z85. Without it, plain TCP. */
    curve: curveClientSchema.optional(),
  })
  .strict();

export type ClientOptions = z.input<typeof clientOptionsSchema> & { logger?: Logger };
export type ResolvedClientOptions = z.output<typeof clientOptionsSchema> & { logger: Logger };

export function resolveClientOptions(options: ClientOptions): ResolvedClientOptions {
  const { logger = silentLogger, ...rest } = options;
  const parsed = clientOptionsSchema.safeParse(rest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || '(options)';
    throw new ResoluteError('INVALID_CONFIG', `Client option ${field}: ${issue?.message ?? 'invalid'}`, { retryable: false, details: { field } });
  }
  return { ...parsed.data, logger };
}
