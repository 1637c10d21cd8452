import { z } from 'zod';
import type { Codec } from '../codec.js';
import { jsonCodec } from '../codec.js';
import { assertName } from '../envelope.js';
import { ResoluteError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import type { Store } from '../store.js';
import type { Transport } from '../transport.js';
import type { BackoffOptions } from './backoff.js';
import type { DispatcherOptions } from './dispatcher.js';
import type { OutboxRelayOptions } from './outbox-relay.js';

export interface BusOptions {
  /** This bus's name: the `source` of what it sends, its endpoint name on brokered transports. */
  name: string;
  transport: Transport;
  store: Store;
  codec?: Codec;
  logger?: Logger;
  /** Names for addresses, so code says `send('billing', ...)` and config says where billing is. */
  endpoints?: Record<string, string>;
  outbox?: Partial<Omit<OutboxOptions, 'retry'>> & { retry?: Partial<BackoffOptions> };
  inbox?: Partial<Omit<DispatcherOptions, 'retry'>> & {
    retry?: Partial<BackoffOptions>;
    /** How long handled ids are remembered to drop redeliveries (ms). */
    dedupeRetentionMs?: number;
    /** How often expired dedupe ids are deleted (ms). */
    dedupeSweepIntervalMs?: number;
  };
  /** Default `request` timeout (ms). */
  requestTimeoutMs?: number;
  deadLetters?: DeadLetterOptions;
  /** How long `close` lets in-flight handlers and sends finish before aborting them (ms). */
  closeTimeoutMs?: number;
}

export interface OutboxOptions extends OutboxRelayOptions {
  /**
   * Send to the broker first, and write to the outbox only what it did not take (DirectSender). Needs a transport
   * whose broker keeps what it accepted (`capabilities.durable`: redis-bus, amqp-adapter). A message is then only as
   * safe as the broker keeps it, so turn it on when the store is no safer (a RedisStore on the transport's Redis), not
   * to give up an fsync'd LevelStore. While a destination has messages waiting in the outbox, new ones queue behind
   * them there, in order. Default false.
   */
  direct: boolean;
}

export interface DeadLetterOptions {
  /**
   * An endpoint (name or address) that gets a copy of every dead letter, sent through the outbox like any command
   * and written in the same batch as the dead letter itself: a broker's dead-letter queue (`<name>.dead`, say) that
   * operators watch, or a service that handles them. The copy keeps the topic and payload; its headers add
   * `resolute-dead-id` (the original id), `-kind`, `-source` (this bus), `-attempts` and `-error` (JSON: code,
   * message, name). The dead letter also stays in this bus's store (`resolute dead`, `resolute replay`).
   */
  forwardTo?: string;
}

export interface ResolvedBusOptions {
  name: string;
  transport: Transport;
  store: Store;
  codec: Codec;
  logger: Logger;
  endpoints: Record<string, string>;
  outbox: OutboxOptions;
  inbox: DispatcherOptions & { dedupeRetentionMs: number; dedupeSweepIntervalMs: number };
  requestTimeoutMs: number;
  deadLetters: DeadLetterOptions;
  closeTimeoutMs: number;
}

/** Every default in one place. */
export const BUS_DEFAULTS = {
  outbox: {
    direct: false,
    batchSize: 256,
    maxInFlightBatches: 4,
    memoryPerDestination: 10_000,
    retry: { initialDelayMs: 100, maxDelayMs: 30_000, factor: 2, jitter: 0.2 },
  },
  inbox: {
    concurrency: 16,
    completionWindow: 256,
    ack: 'stored',
    maxAttempts: 5,
    memory: 10_000,
    retry: { initialDelayMs: 200, maxDelayMs: 60_000, factor: 2, jitter: 0.2 },
    dedupeRetentionMs: 24 * 60 * 60 * 1000,
    dedupeSweepIntervalMs: 60_000,
  },
  requestTimeoutMs: 30_000,
  closeTimeoutMs: 10_000,
} as const;

const positiveInt = z.number().int().positive();
const backoffSchema = z
  .object({ initialDelayMs: positiveInt, maxDelayMs: positiveInt, factor: z.number().min(1), jitter: z.number().min(0).max(1) })
  .partial()
  .strict();

/** The tunables (not the instances) of BusOptions; also used to validate the `bus` section of a config file. */
export const busTuningSchema = z
  .object({
    endpoints: z.record(z.string(), z.string().min(1)),
    outbox: z.object({ direct: z.boolean(), batchSize: positiveInt, maxInFlightBatches: positiveInt, memoryPerDestination: positiveInt, retry: backoffSchema }).partial().strict(),
    inbox: z
      .object({
        concurrency: positiveInt,
        completionWindow: positiveInt,
        ack: z.enum(['stored', 'handled']),
        maxAttempts: positiveInt,
        memory: positiveInt,
        retry: backoffSchema,
        dedupeRetentionMs: positiveInt,
        dedupeSweepIntervalMs: positiveInt,
      })
      .partial()
      .strict(),
    requestTimeoutMs: positiveInt,
    deadLetters: z.object({ forwardTo: z.string().min(1) }).partial().strict(),
    closeTimeoutMs: z.number().int().nonnegative(),
  })
  .partial();

/** Formats zod issues as `field: problem; field: problem`. */
export function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[], prefix = ''): string {
  return issues.map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(root)'}: ${i.message}`).join('; ');
}

export function resolveBusOptions(options: BusOptions): ResolvedBusOptions {
  if (options === null || typeof options !== 'object') throw new ResoluteError('INVALID_CONFIG', 'createBus needs an options object');
  assertName(options.name, 'name');
  if (typeof options.transport?.send !== 'function') throw new ResoluteError('INVALID_CONFIG', 'transport: pass a Transport instance (or use createBusFromConfig)');
  if (typeof options.store?.batch !== 'function') throw new ResoluteError('INVALID_CONFIG', 'store: pass a Store instance (or use createBusFromConfig)');
  const { transport, store, codec, logger, name, ...tuning } = options;
  const parsed = busTuningSchema.safeParse(tuning);
  if (!parsed.success) throw new ResoluteError('INVALID_CONFIG', `invalid bus options: ${describeIssues(parsed.error.issues)}`);
  const t = parsed.data;
  const forwardTo = t.deadLetters?.forwardTo;
  if (forwardTo !== undefined) {
    // Checked now, not when the first message dies: a dead letter must never fail on its way out.
    try {
      assertName(t.endpoints?.[forwardTo] ?? forwardTo, 'deadLetters.forwardTo');
    } catch (error) {
      throw new ResoluteError('INVALID_CONFIG', `invalid bus options: ${(error as Error).message}`, { details: { fields: ['deadLetters.forwardTo'] } });
    }
  }
  if (t.outbox?.direct === true && transport.capabilities?.durable !== true) {
    throw new ResoluteError(
      'INVALID_CONFIG',
      `invalid bus options: outbox.direct needs a transport whose broker keeps what it accepted (capabilities.durable); the ${transport.type ?? 'given'} transport does not, so every message must go through the outbox: remove outbox.direct`,
      { details: { fields: ['outbox.direct'] } },
    );
  }
  return {
    name,
    transport,
    store,
    codec: codec ?? jsonCodec,
    logger: logger ?? silentLogger,
    endpoints: t.endpoints ?? {},
    outbox: { ...BUS_DEFAULTS.outbox, ...t.outbox, retry: { ...BUS_DEFAULTS.outbox.retry, ...t.outbox?.retry } },
    inbox: { ...BUS_DEFAULTS.inbox, ...t.inbox, retry: { ...BUS_DEFAULTS.inbox.retry, ...t.inbox?.retry } },
    requestTimeoutMs: t.requestTimeoutMs ?? BUS_DEFAULTS.requestTimeoutMs,
    deadLetters: t.deadLetters ?? {},
    closeTimeoutMs: t.closeTimeoutMs ?? BUS_DEFAULTS.closeTimeoutMs,
  };
}
