import type { Logger } from '@resolute/core';
import { z } from 'zod';
import { invalidOptions } from '../options-error.js';
import { curveClientSchema } from '../security/curve-options.js';
import { serviceNameProblem } from './batch-frames.js';

const endpoint = z.string().regex(/^(tcp|ipc|inproc):\/\/.+/, 'must be an endpoint like tcp://127.0.0.1:5555');

export const mdpTransportOptionsSchema = z
  .object({
    /** The broker every endpoint of the system connects to, e.g. tcp://127.0.0.1:5555. */
    broker: endpoint,
    /**
     * The MDP service this endpoint serves, which is also its address. Default: the bus name. Two buses with one
     * name on one broker would share a service (the broker spreads batches over both), so names must be unique.
     */
    service: z
      .string()
      .refine((name) => serviceNameProblem(name) === undefined, { error: (issue) => serviceNameProblem(String(issue.input)) ?? 'invalid' })
      .optional(),
    /** A batch not acknowledged by the receiving bus within this long fails (TIMEOUT) and the outbox sends it again. */
    ackTimeoutMs: z.number().int().positive().default(10_000),
    /** start() waits this long for the broker to confirm the endpoint's service (8/MMI), then fails UNREACHABLE. */
    startTimeoutMs: z.number().int().positive().default(10_000),
    /** Most messages in one MDP request. */
    maxBatch: z.number().int().positive().max(10_000).default(256),
    /** Batches this endpoint receives at once: one MDP worker connection each. */
    concurrency: z.number().int().positive().max(1_000).default(4),
    /** Heartbeat period of the endpoint's worker connections; must match the broker's. */
    heartbeatIntervalMs: z.number().int().positive().default(2_500),
    heartbeatLiveness: z.number().int().min(2).default(3),
    reconnectDelayMs: z.number().int().nonnegative().default(500),
    /** close() waits this long for batches being stored so their acknowledgements go out. */
    drainTimeoutMs: z.number().int().nonnegative().default(5_000),
    /** CURVE security for the endpoint's worker and client: the broker's public key and this endpoint's key pair (Z85). */
    curve: curveClientSchema.optional(),
  })
  .strict();

export type MdpTransportOptions = z.input<typeof mdpTransportOptionsSchema> & {
  /** Default: the logger the bus passes to start(). */
  logger?: Logger;
};
export type ResolvedMdpTransportOptions = z.output<typeof mdpTransportOptionsSchema> & { logger: Logger | undefined };

/** Applies the defaults and validates; bad options throw INVALID_CONFIG naming the field (unknown ones by name). */
export function resolveMdpTransportOptions(options: MdpTransportOptions): ResolvedMdpTransportOptions {
  const { logger, ...rest } = options ?? ({} as MdpTransportOptions);
  const parsed = mdpTransportOptionsSchema.safeParse(rest);
  if (!parsed.success) throw invalidOptions('mdp-broker transport', parsed.error.issues);
  return { ...parsed.data, logger };
}
