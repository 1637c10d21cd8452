import { ResoluteError } from './errors.js';
import { MESSAGE_KINDS, type Envelope } from './envelope.js';
import { isId } from './ids.js';
import { hasLongString, plainJsonText } from './json-text.js';

/** Turns envelopes into bytes and back. Stores and transports only ever see the bytes. */
export interface Codec {
  readonly name: string;
  encode(envelope: Envelope): Buffer;
  /** Throws ResoluteError('CODEC_ERROR') on bytes it did not make; never returns a half-valid envelope. */
  decode(bytes: Uint8Array): Envelope;
  /**
   * Optional: the envelope without its payload (undefined), for the bus's own bookkeeping of bytes it keeps (an outbox
   * entry read back to be sent), where decoding the payload would be wasted. Throws CODEC_ERROR on a header it did not
   * make; the payload is not checked (the receiver's `decode` does that). Without it, the bus calls `decode`.
   */
  decodeHeader?(bytes: Uint8Array): Envelope;
}

/*
 * Layout (version 1):
 *   byte 0      format version (1)
 *   byte 1      payload form: 0 JSON text, 1 raw bytes (the payload is a Buffer/Uint8Array), 2 undefined
 *   bytes 2..5  header length, unsigned 32-bit big-endian
 *   header      UTF-8 JSON of the envelope without its payload
 *   rest        the payload
 * A top-level binary payload travels raw (no base64). Binary values nested inside a JSON payload are written as
 * {"$bin": base64}; a user object that itself has the single key "$bin" or "$esc" is written {"$esc": {"~<key>": value}}
 * so it comes back unchanged.
 */
const VERSION = 1;
const FORM_JSON = 0;
const FORM_BYTES = 1;
const FORM_UNDEFINED = 2;
const PREFIX = 6;

function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  if (raw instanceof Uint8Array) return { $bin: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') };
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    // Rename the key inside the wrapper so the wrapped object is not itself a tag (and is not wrapped again).
    if (keys.length === 1 && (keys[0] === '$bin' || keys[0] === '$esc')) return { $esc: { [`~${keys[0]}`]: (value as Record<string, unknown>)[keys[0]] } };
  }
  return value;
}

/** True when the payload holds binary values or tag-like keys: only then is the (slower) replacer needed. */
function needsReplacer(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (value instanceof Uint8Array || depth > 32) return true;
  if (Array.isArray(value)) return value.some((item) => needsReplacer(item, depth + 1));
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return true;
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === '$bin' || keys[0] === '$esc')) return true;
  for (const key of keys) if (needsReplacer((value as Record<string, unknown>)[key], depth + 1)) return true;
  return false;
}

/** The `{"p": payload}` text, through plainJsonText when a long string makes that faster (same text either way). */
function payloadText(payload: unknown): string {
  const wrapped = { p: payload };
  return (hasLongString(payload) ? plainJsonText(wrapped) : undefined) ?? JSON.stringify(wrapped);
}

const TAGS = [Buffer.from('"$bin"'), Buffer.from('"$esc"')];

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.length === 1) {
      if (keys[0] === '$bin' && typeof record.$bin === 'string') return Buffer.from(record.$bin, 'base64');
      if (keys[0] === '$esc' && record.$esc !== null && typeof record.$esc === 'object') {
        const [[key, inner]] = Object.entries(record.$esc as Record<string, unknown>) as [[string, unknown]];
        return { [key.slice(1)]: inner };
      }
    }
  }
  return value;
}

function fail(message: string, cause?: unknown): never {
  throw new ResoluteError('CODEC_ERROR', `cannot decode message: ${message}`, { cause, retryable: false });
}

function asBuffer(input: Uint8Array): Buffer {
  return Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}

/** The prefix and the header, checked; throws CODEC_ERROR. */
function readHeader(bytes: Buffer): Record<string, unknown> {
  if (bytes.length < PREFIX) fail(`${bytes.length} bytes is shorter than the ${PREFIX}-byte prefix`);
  if (bytes[0] !== VERSION) fail(`format version ${bytes[0]} is not ${VERSION}: was it written by a newer release?`);
  const headerLength = bytes.readUInt32BE(2);
  if (PREFIX + headerLength > bytes.length) fail('header length runs past the end');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(bytes.toString('utf8', PREFIX, PREFIX + headerLength)) as Record<string, unknown>;
  } catch (error) {
    fail('header is not JSON', error);
  }
  if (header === null || typeof header !== 'object') fail('header is not an object');
  checkHeader(header);
  return header;
}

function checkHeader(header: Record<string, unknown>): void {
  if (!isId(header.id)) fail('id is not a ULID');
  if (!MESSAGE_KINDS.includes(header.kind as never)) fail(`unknown kind ${JSON.stringify(header.kind)}`);
  if (typeof header.topic !== 'string' || header.topic.length === 0) fail('topic missing');
  if (typeof header.source !== 'string') fail('source missing');
  if (typeof header.createdAt !== 'number' || typeof header.attempt !== 'number') fail('createdAt/attempt missing');
  if (header.headers === null || typeof header.headers !== 'object') fail('headers missing');
}

export const jsonCodec: Codec = {
  name: 'json',
  encode(envelope) {
    const { payload, ...header } = envelope;
    const headerText = JSON.stringify(header);
    let form = FORM_JSON;
    let bodyText: string | undefined;
    let bodyBytes: Uint8Array | undefined;
    if (payload === undefined) form = FORM_UNDEFINED;
    else if (payload instanceof Uint8Array) {
      form = FORM_BYTES;
      bodyBytes = payload;
    } else {
      bodyText = needsReplacer(payload, 0) ? JSON.stringify({ p: payload }, replacer) : payloadText(payload);
    }
    // One allocation, the text written straight into it: no intermediate buffers to concatenate.
    const headerLength = Buffer.byteLength(headerText, 'utf8');
    const bodyLength = bodyText !== undefined ? Buffer.byteLength(bodyText, 'utf8') : (bodyBytes?.byteLength ?? 0);
    const out = Buffer.allocUnsafe(PREFIX + headerLength + bodyLength);
    out[0] = VERSION;
    out[1] = form;
    out.writeUInt32BE(headerLength, 2);
    out.write(headerText, PREFIX, 'utf8');
    if (bodyText !== undefined) out.write(bodyText, PREFIX + headerLength, 'utf8');
    else if (bodyBytes !== undefined) out.set(bodyBytes, PREFIX + headerLength);
    return out;
  },
  decode(input) {
    const bytes = asBuffer(input);
    const header = readHeader(bytes);
    const form = bytes[1];
    const body = bytes.subarray(PREFIX + bytes.readUInt32BE(2));
    let payload: unknown;
    if (form === FORM_UNDEFINED) payload = undefined;
    else if (form === FORM_BYTES) payload = Buffer.from(body);
    else if (form === FORM_JSON) {
      try {
        const tagged = TAGS.some((tag) => body.includes(tag));
        payload = (JSON.parse(body.toString('utf8'), tagged ? reviver : undefined) as { p: unknown }).p;
      } catch (error) {
        fail('payload is not JSON', error);
      }
    } else fail(`unknown payload form ${form}`);
    // The parsed header is ours alone: add the payload to it rather than copying it into a new object.
    header.payload = payload;
    return header as unknown as Envelope;
  },
  decodeHeader(input) {
    const bytes = asBuffer(input);
    const header = readHeader(bytes);
    if (bytes[1] !== FORM_JSON && bytes[1] !== FORM_BYTES && bytes[1] !== FORM_UNDEFINED) fail(`unknown payload form ${bytes[1]}`);
    header.payload = undefined;
    return header as unknown as Envelope;
  },
};
