import { z } from 'zod';

/**
 * Liveness settings of one Queue instance (given to `bus.queue(name, options)` or once for the whole bus).
 * Every attached instance heartbeats every `heartbeatMs`: that keeps its attachment and its reliable consumer alive,
 * keeps the queue's keys from expiring, and reclaims messages of consumers that stopped heartbeating.
 */
export const queueOptionsSchema = z
  .object({
    /** How often an attached instance heartbeats (default 1000 ms). */
    heartbeatMs: z.number().int().min(20).max(60_000).default(1_000),
    /**
     * How long an attacher or a reliable consumer counts as alive after its last heartbeat (default 5000 ms). A
     * consumer silent for longer (dead, frozen event loop, cut off) has its unacked messages put back for others.
     */
    livenessMs: z.number().int().min(60).max(600_000).default(5_000),
    /**
     * How long the queue lives without any attacher, in seconds (default 30, as in busmq); fractions allowed. Used
     * by attach() unless it gives its own, and by pushes to a queue no one has attached yet.
     */
    ttlSeconds: z.number().positive().max(10 * 365 * 24 * 3600).default(30),
  })
  .strict()
  .refine((o) => o.livenessMs >= 2 * o.heartbeatMs, { message: 'livenessMs must be at least twice heartbeatMs', path: ['livenessMs'] });

export type QueueOptions = z.input<typeof queueOptionsSchema>;
export type ResolvedQueueOptions = z.output<typeof queueOptionsSchema>;

export const attachOptionsSchema = z
  .object({
    /** How long the queue lives without any attacher, in seconds (default: the queue's `ttlSeconds`, 30). */
    ttlSeconds: z.number().positive().max(10 * 365 * 24 * 3600).optional(),
  })
  .strict();

export type AttachOptions = z.input<typeof attachOptionsSchema>;

export const consumeOptionsSchema = z
  .object({
    /** Stop after this many messages (default: consume until `stop()`). */
    max: z.number().int().positive().optional(),
    /**
     * Default true: a consumed message leaves the queue. false = peek: read messages without consuming them (they
     * stay for removing consumers; this reader sees each one once, in order).
     */
    remove: z.boolean().default(true),
    /**
     * Default false (busmq's at-most-once: a message is deleted as it is taken). true = at-least-once: a taken
     * message moves to this consumer's processing set with a lease and stays until `ack(id)`; when the lease lapses
     * or the consumer stops heartbeating it goes back to the head of the queue for another consumer.
     */
    reliable: z.boolean().default(false),
    /** Reliable mode: how long a consumer has to ack a message before it is given to another (default 30 s). */
    leaseMs: z.number().int().min(50).max(24 * 3600_000).default(30_000),
    /**
     * Most messages fetched per round trip (default 10). In reliable mode also the most unacked messages this
     * consumer holds at once; in an iterator, the most messages buffered ahead of the loop.
     */
    prefetch: z.number().int().min(1).max(1_000).default(10),
    /**
     * An idle consumer blocks on the queue's wake-up list for this long before looking again (default 1000 ms). Pushes
     * wake it at once; the timeout only bounds how late a missed wake-up is noticed.
     */
    blockMs: z.number().int().min(10).max(60_000).default(1_000),
    /** Peek mode only: how often a reader that has seen everything looks for new messages (default 200 ms). */
    peekIntervalMs: z.number().int().min(10).max(60_000).default(200),
    /** Aborting stops consuming, like `stop()`. */
    signal: z.instanceof(AbortSignal).optional(),
  })
  .strict()
  .refine((o) => !(o.reliable && !o.remove), { message: 'reliable needs remove: true (a peek does not take messages, so there is nothing to ack)', path: ['reliable'] });

export type ConsumeOptions = z.input<typeof consumeOptionsSchema>;
export type ResolvedConsumeOptions = z.output<typeof consumeOptionsSchema>;
