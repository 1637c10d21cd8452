import { randomFillSync } from 'node:crypto';

/*
 * Ids and trace ids need a few random bytes per message. One crypto call per message costs more than the bytes:
 * draw them from a pool refilled 8 KiB at a time instead. The bytes are as random as crypto.randomBytes'.
 */
const POOL_SIZE = 8192;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

/** `size` fresh random bytes (size <= 256). The returned view is only valid until the next call: copy what you keep. */
export function randomView(size: number): Buffer {
  if (offset + size > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const view = pool.subarray(offset, offset + size);
  offset += size;
  return view;
}
