import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ResoluteError, type Logger } from '@resolute/core';
import { z } from 'zod';
import type { RedisConnection } from '../connection/redis-connection.js';
import { CONNECTION_FIELDS, parseRedisConnection, parseWith, redisConnectionSchema, type RedisConnectionOptions } from '../connection/redis-options.js';

const positiveInt = z.number().int().positive();

/** What the transport itself adds to the connection fields. */
const transportFields = {
  /** Most messages per `send` call, and most entries per read handed to the bus as one batch. */
  maxBatch: positiveInt.max(10_000).default(256),
  /**
   * Batches of one stream the bus may be taking at once: the reader reads the next batch while the bus stores (or,
   * with `inbox.ack: 'handled'`, handles) the previous ones, so Redis round trips and the bus's work overlap. Each
   * batch is acknowledged as soon as the bus has it. 1 reads strictly one batch after the other.
   */
  readAhead: positiveInt.max(64).default(4),
  /**
   * How long one XREADGROUP waits for new entries. Bounds how late reclaim and trimming run on a quiet stream; `close`
   * does not wait for it (the blocked read is cut).
   */
  blockMs: positiveInt.max(60_000).default(1_000),
  /**
   * An entry read but not acknowledged for this long belongs to a dead (or stuck) consumer: another consumer of the
   * same endpoint claims it. A live consumer renews the lease of a batch the bus is still storing every lease/3, so a
   * slow inbox write is not mistaken for a dead process.
   */
  leaseMs: z.number().int().min(300).default(30_000),
  /** How often each consumer claims entries whose lease ran out (XAUTOCLAIM). Default: half the lease. */
  reclaimIntervalMs: positiveInt.optional(),
  /** How often each consumer trims what every group acknowledged and deletes consumers of dead processes. */
  trimIntervalMs: positiveInt.default(5_000),
  /**
   * A reader command Redis has not answered this long (past its own BLOCK wait) means a dead socket TCP has not
   * noticed, a silent network cut: the reader's connection is redialled; an ack on the shared connection fails (its
   * batch may be read again: the ack is not withdrawn and may still land) and a lease renewal is given up, so neither
   * a read-ahead slot nor `close` waits forever. At least 1 s: AOF fsyncs and large XAUTOCLAIM pages take time.
   */
  stallTimeoutMs: z.number().int().min(1_000).max(600_000).default(15_000),
  /** A send not answered by Redis within this time is a failed (retryable) TIMEOUT outcome. */
  sendTimeoutMs: positiveInt.default(5_000),
  /**
   * This process's consumer name in every group it reads (default: host, pid and a random suffix: unique per
   * process). A stable name (a pod name) lets a restarted instance take its own unacknowledged entries back at start
   * instead of after the lease. Two live instances must never share one.
   */
  consumer: z.string().regex(/^[A-Za-z0-9._:@-]{1,128}$/, 'letters, digits and ._:@- (1-128)').optional(),
  /** A consumer that owns no pending entry and has not read for this long is deleted from the group. */
  consumerExpiryMs: positiveInt.default(3_600_000),
  /** Pause before a batch the bus refused is handed over again (doubles per consecutive refusal, up to 20x). */
  refusalDelayMs: positiveInt.default(100),
  /** How long `close` waits for sends Redis has not answered yet before settling them as failed. */
  closeTimeoutMs: positiveInt.default(2_000),
};

const transportSchema = z.object(transportFields).strict();

/** Every field a config section may hold: the connection's (url, shards, cluster, ...) and the transport's. */
export const redisTransportOptionsSchema = redisConnectionSchema.extend(transportFields).strict();

export type RedisTransportInput = z.input<typeof redisTransportOptionsSchema> & {
  readonly logger?: Logger;
  /** A connection opened elsewhere (shared with a store or queues): used as is and not closed by the transport. */
  readonly connection?: RedisConnection;
};

export type RedisTransportSettings = Omit<z.output<typeof transportSchema>, 'reclaimIntervalMs' | 'consumer'> & {
  readonly reclaimIntervalMs: number;
  readonly consumer: string;
};

export interface ParsedTransportOptions {
  readonly settings: RedisTransportSettings;
  /** Undefined when a connection was passed in. */
  readonly connection: RedisConnectionOptions | undefined;
}

/** Splits and validates the options at construction: INVALID_CONFIG names every bad field. */
export function parseRedisTransportOptions(input: Omit<RedisTransportInput, 'logger'>, injected: boolean): ParsedTransportOptions {
  const connectionPart: Record<string, unknown> = {};
  const transportPart: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(input ?? {})) {
    if (field === 'connection' || value === undefined) continue;
    (CONNECTION_FIELDS.has(field) ? connectionPart : transportPart)[field] = value;
  }
  const parsed = parseWith(transportSchema, transportPart, 'redis-bus transport options');
  const given = Object.keys(connectionPart);
  if (injected && given.length > 0) {
    throw new ResoluteError('INVALID_CONFIG', `invalid redis-bus transport options: ${given.join(', ')}: not allowed with \`connection\` (the connection passed in has its own): drop them`, {
      retryable: false,
      details: { fields: given },
    });
  }
  const settings: RedisTransportSettings = {
    ...parsed,
    reclaimIntervalMs: parsed.reclaimIntervalMs ?? Math.floor(parsed.leaseMs / 2),
    consumer: parsed.consumer ?? `${hostname().replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64)}-${process.pid}-${randomBytes(4).toString('hex')}`,
  };
  return { settings, connection: injected ? undefined : parseRedisConnection(connectionPart) };
}
