import { ResoluteError } from '@resolute/core';
import { packedSize } from './protocol/frames.js';

/**
 * Cuts the messages for one peer into DELIVER batches of at most `maxBatch` messages whose messages frame fits in
 * `maxBytes`: the receiving ROUTER drops a connection that sends a larger frame (ZMQ_MAXMSGSIZE), and a batch it
 * never acknowledges would be sent again and again. Each message must fit on its own (see tooLarge). Order is kept.
 */
export function splitBatch<T>(items: readonly T[], bytesOf: (item: T) => Buffer, maxBatch: number, maxBytes: number): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = packedSize(bytesOf(item));
    if (chunk.length > 0 && (chunk.length === maxBatch || bytes + size > maxBytes)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** A message no batch can carry: it would never be accepted, so it is not retried (it goes to the dead letters). */
export function tooLarge(length: number, maxBytes: number): ResoluteError {
  return new ResoluteError(
    'INVALID_ARGUMENT',
    `a ${length}-byte message (${length + 4} with its length prefix) does not fit in a DELIVER frame of maxMessageBytes ${maxBytes}: raise maxMessageBytes on every peer, or send less`,
    { retryable: false, details: { bytes: length, maxMessageBytes: maxBytes } },
  );
}
