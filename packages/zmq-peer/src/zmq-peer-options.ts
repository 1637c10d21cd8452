import { ResoluteError, type Logger } from '@resolute/core';
import { z } from 'zod';

const z85Key = z.string().length(40, 'must be a 40-character Z85 key (see generateCurveKeyPair)');

const curveSchema = z
  .object({
    /** This peer's long-term key pair: its ROUTER is a CURVE server with it, its DEALERs are CURVE clients with it. */
    publicKey: z85Key,
    secretKey: z85Key,
    /** Public key of the peers this one connects to, when they all share one key pair. */
    serverKey: z85Key.optional(),
    /** Public key per peer address, for fleets where each peer has its own (wins over serverKey). */
    peers: z.record(z.string(), z85Key).optional(),
    /** Client public keys allowed to connect to this peer. Omitted: any client that knows our public key. */
    allowClients: z.array(z85Key).optional(),
  })
  .strict();

export const zmqPeerOptionsSchema = z
  .object({
    /** Where this peer's ROUTER listens, e.g. tcp://127.0.0.1:12345 (port 0 picks a free port). */
    bind: z.string().regex(/^(tcp|ipc|inproc):\/\/.+/, 'must be an endpoint like tcp://127.0.0.1:12345'),
    /** The address other peers use to reach this one (default: the bound endpoint). Needed when binding 0.0.0.0 or *. */
    address: z.string().regex(/^(tcp|ipc|inproc):\/\/.+/, 'must be an endpoint like tcp://host:12345').optional(),
    /** A batch not acknowledged within this time counts as failed (and is sent again). */
    ackTimeoutMs: z.number().int().positive().default(10_000),
    /** How long a send may wait for a connection or for room below the high-water mark before failing. */
    sendTimeoutMs: z.number().int().positive().default(2_000),
    /** Messages ZeroMQ queues per peer connection before send waits (back-pressure, never loss). */
    sendHighWaterMark: z.number().int().positive().default(10_000),
    /** Batches in flight per peer; past it a send fails with BACKPRESSURE and is retried. */
    maxInFlightBatches: z.number().int().positive().default(64),
    /** Received batches being stored at once; past it we stop reading and TCP pushes back. */
    maxConcurrentReceives: z.number().int().positive().default(64),
    /** Most messages per DELIVER frame set. */
    maxBatch: z.number().int().positive().max(10_000).default(512),
    /** ZMTP heartbeats: a connection silent for heartbeatTimeoutMs is dropped and re-dialled. */
    heartbeatIntervalMs: z.number().int().positive().default(2_000),
    heartbeatTimeoutMs: z.number().int().positive().default(6_000),
    reconnectIntervalMs: z.number().int().positive().default(100),
    reconnectMaxIntervalMs: z.number().int().positive().default(5_000),
    /**
     * Largest frame sent to or accepted from a peer; a larger one received drops that connection (protects memory).
     * Batches are cut to fit; a message too large for it alone fails without retry (dead-lettered). Same on all peers.
     */
    maxMessageBytes: z.number().int().positive().default(64 * 1024 * 1024),
    curve: curveSchema.optional(),
  })
  .strict();

export type ZmqPeerOptionsInput = z.input<typeof zmqPeerOptionsSchema> & { logger?: Logger };
export type ZmqPeerOptions = z.output<typeof zmqPeerOptionsSchema>;
export type CurveOptions = z.output<typeof curveSchema>;

export function parseZmqPeerOptions(input: unknown): ZmqPeerOptions {
  const result = zmqPeerOptionsSchema.safeParse(input);
  if (!result.success) {
    const fields = result.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ResoluteError('INVALID_CONFIG', `invalid zmq-peer options: ${fields}`, { retryable: false });
  }
  return result.data;
}
