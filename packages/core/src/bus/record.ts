import { ResoluteError } from '../errors.js';

/*
 * Store values that hold an encoded envelope plus a little bookkeeping (attempts, errors) are "records":
 *   u32 big-endian length of the meta JSON, the meta JSON, then the envelope bytes untouched.
 * Keeping the envelope bytes as they arrived means no re-encoding on the hot path and a byte-exact copy in the store.
 */
export function packRecord(meta: object, envelopeBytes: Uint8Array): Buffer {
  const metaText = JSON.stringify(meta);
  const metaLength = Buffer.byteLength(metaText, 'utf8');
  // One allocation: meta written in place, the envelope bytes copied once.
  const record = Buffer.allocUnsafe(4 + metaLength + envelopeBytes.byteLength);
  record.writeUInt32BE(metaLength, 0);
  record.write(metaText, 4, 'utf8');
  record.set(envelopeBytes, 4 + metaLength);
  return record;
}

export function unpackRecord<M>(value: Buffer): { meta: M; bytes: Buffer } {
  if (value.length < 4) throw corrupt('shorter than its 4-byte header');
  const length = value.readUInt32BE(0);
  if (4 + length > value.length) throw corrupt('meta length runs past the end');
  let meta: M;
  try {
    meta = JSON.parse(value.toString('utf8', 4, 4 + length)) as M;
  } catch (error) {
    throw corrupt('meta is not JSON', error);
  }
  return { meta, bytes: value.subarray(4 + length) };
}

function corrupt(what: string, cause?: unknown): ResoluteError {
  return new ResoluteError('STORE_CORRUPT', `store record ${what}`, { cause, retryable: false });
}

/** Bookkeeping kept beside a received message in the inbox. */
export interface InboxMeta {
  /** Handler runs that failed so far. */
  attempts: number;
  /** Names of handlers that already completed (they do not run again on a retry). */
  done: string[];
  /** When the next try may start (ms since epoch); 0 = now. */
  notBefore: number;
  lastError?: { code: string; message: string };
  receivedAt: number;
}

/** Bookkeeping kept beside a dead letter. */
export interface DeadMeta {
  attempts: number;
  error: { code: string; message: string; name?: string };
  failedAt: number;
  receivedAt: number;
  /** Handlers that had completed before the message died (a replay skips them). */
  done: string[];
}
