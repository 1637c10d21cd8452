import { ResoluteError, silentLogger, type Logger, type Store } from '@resolute/core';
import { z } from 'zod';
import { invalidOptions } from '../options-error.js';
import { curveClientSchema } from '../security/curve-options.js';

const endpoint = z.string().regex(/^(tcp|ipc|inproc):\/\/.+/, 'must be an endpoint like tcp://127.0.0.1:5555');

export const titanicOptionsSchema = z
  .object({
    /** The broker Titanic's three services register with, and through which it calls the target services. */
    broker: endpoint,
    /** Each TSP service (titanic.request/.reply/.close) serves this many requests at once. */
    workerConcurrency: z.number().int().positive().max(100).default(4),
    /** Stored requests being sent to their target services at once. */
    concurrency: z.number().int().positive().max(1_000).default(8),
    /** How long one attempt at a target service may take until its FINAL reply; then it is tried again. */
    requestTimeoutMs: z.number().int().positive().default(10_000),
    /**
     * Ask the broker (8/MMI mmi.service) whether the target service has a worker before sending; without one, wait
     * and ask again instead of leaving a request queued at the broker that may run after Titanic gave up on it.
     */
    checkService: z.boolean().default(true),
    /** Backoff between attempts at one stored request. Titanic never gives up; titanic.close cancels. */
    retry: z
      .object({
        initialDelayMs: z.number().int().nonnegative().default(500),
        maxDelayMs: z.number().int().positive().default(30_000),
        factor: z.number().min(1).default(2),
        jitter: z.number().min(0).max(1).default(0.2),
      })
      .strict()
      .prefault({}),
    /** Heartbeat period of Titanic's worker connections; must match the broker's. */
    heartbeatIntervalMs: z.number().int().positive().default(2_500),
    heartbeatLiveness: z.number().int().min(2).default(3),
    reconnectDelayMs: z.number().int().nonnegative().default(500),
    /** close() waits this long for TSP requests and dispatches in progress. */
    drainTimeoutMs: z.number().int().nonnegative().default(5_000),
    /** CURVE security for Titanic's workers and client: the broker's public key and Titanic's key pair (Z85). */
    curve: curveClientSchema.optional(),
  })
  .strict();

export type TitanicOptions = z.input<typeof titanicOptionsSchema> & {
  /** Where requests and replies live; Titanic opens it in start() and closes it in close(), so give it its own. */
  store: Store;
  logger?: Logger;
};
export type ResolvedTitanicOptions = z.output<typeof titanicOptionsSchema> & { store: Store; logger: Logger };

/** Applies the defaults and validates; bad options throw INVALID_CONFIG naming the field. */
export function resolveTitanicOptions(options: TitanicOptions): ResolvedTitanicOptions {
  const { logger = silentLogger, store, ...rest } = options;
  if (typeof store?.batch !== 'function' || typeof store.get !== 'function') {
    throw new ResoluteError('INVALID_CONFIG', 'Titanic option store: pass a core Store (MemoryStore, LevelStore, ...)', { retryable: false, details: { field: 'store' } });
  }
  const parsed = titanicOptionsSchema.safeParse(rest);
  if (!parsed.success) throw invalidOptions('Titanic', parsed.error.issues);
  return { ...parsed.data, store, logger };
}
