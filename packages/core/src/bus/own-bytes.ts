/** A buffer at most this large is not worth copying a view out of (Node's own pool slabs are 8 KiB). */
const SMALL_BUFFER = 16 * 1024;

/**
 * `bytes` itself, or a copy of it when it is a view into a much larger buffer: transports hand over received messages
 * as views into what they read (zmq-peer a whole batch's frame, a Redis client its socket chunk), and a message the
 * bus keeps (waiting for a retry, for a handler slot, for a handler to be registered) would otherwise hold that whole
 * buffer in memory for as long as it waits.
 */
export function ownBytes(bytes: Buffer): Buffer {
  const whole = bytes.buffer.byteLength;
  return whole > SMALL_BUFFER && whole > 2 * bytes.byteLength ? Buffer.from(bytes) : bytes;
}
