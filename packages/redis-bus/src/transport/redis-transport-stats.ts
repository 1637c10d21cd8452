/** Counters of one RedisTransport since it was created (read with `transport.stats()`). */
export interface RedisTransportStats {
  /** Messages Redis accepted: stored (XADD answered with an id), or unrouted. */
  sent: number;
  /** Events sent to a topic no endpoint subscribes to: nothing to deliver to, so nothing stored (a success). */
  unrouted: number;
  /** Sends settled as failed (connection lost, timeout, abort, close, a Redis error). */
  failed: number;
  /** Entries handed to the bus, and how many of them were handed over before (own pending ones read again, or claimed from another consumer). */
  delivered: number;
  redelivered: number;
  /** Entries taken over from consumers whose lease ran out (XAUTOCLAIM). */
  reclaimed: number;
  /** Entries acknowledged after the bus stored them, or skipped (deleted, or after an unsubscribe's cutoff). */
  acked: number;
  skipped: number;
  /** Batches the bus refused (not acknowledged: handed over again after a pause). */
  refusedBatches: number;
  /** Reclaim rounds (XAUTOCLAIM) and housekeeping rounds (trim, prune) run by this transport's readers. */
  reclaimRounds: number;
  housekeepingRounds: number;
  /** Entries removed by trimming, and consumers of dead processes deleted. */
  trimmed: number;
  prunedConsumers: number;
  /** Reader commands that failed (a lost connection, mostly); each is retried after a pause. */
  readErrors: number;
}

export function emptyStats(): RedisTransportStats {
  return { sent: 0, unrouted: 0, failed: 0, delivered: 0, redelivered: 0, reclaimed: 0, acked: 0, skipped: 0, refusedBatches: 0, reclaimRounds: 0, housekeepingRounds: 0, trimmed: 0, prunedConsumers: 0, readErrors: 0 };
}
