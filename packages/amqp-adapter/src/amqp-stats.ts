/** Counters of one AmqpTransport since it was created (read with `transport.stats()`). */
export interface AmqpStats {
  /** Sessions built: 1 after start, +1 per reconnect. */
  connects: number;
  /** Messages the broker confirmed. */
  confirmed: number;
  /** Sends settled as failed (nack, return, connection lost, timeout, abort, close). */
  failed: number;
  /** Mandatory messages the broker returned as unroutable. */
  returned: number;
  /** Deliveries received, and how many of them the broker flagged as redelivered. */
  delivered: number;
  redelivered: number;
  /** Received batches acked, and refused by the bus (requeued after a pause). */
  ackedBatches: number;
  requeuedBatches: number;
}

export function emptyStats(): AmqpStats {
  return { connects: 0, confirmed: 0, failed: 0, returned: 0, delivered: 0, redelivered: 0, ackedBatches: 0, requeuedBatches: 0 };
}
