import { NAMESPACE_PATTERN, ResoluteError, type StoreRange } from '@resolute/core';

/**
 * How a Store key becomes the bytes Redis keeps (a sorted-set member and a hash field), and back.
 *
 * The Store contract orders keys as UTF-16 code units (JavaScript `<`); ZRANGEBYLEX orders members bytewise. UTF-8
 * would agree for every key without characters above U+FFFF, but not for those (U+1F511 sorts before U+FFFF in
 * UTF-16, after it in UTF-8), and it cannot hold a lone surrogate. So keys are written as CESU-8: each UTF-16 code
 * unit on its own, in UTF-8's 1-3 byte form. Its byte order is exactly UTF-16 code unit order, every JavaScript
 * string round-trips (lone surrogates too), and for keys without surrogates the bytes are plain UTF-8 (ASCII for the
 * pipeline's keys), so `redis-cli` shows them as they are.
 */
const SURROGATE = /[\uD800-\uDFFF]/;

/** True when the key's encoding is its plain UTF-8 (no surrogates), which the client can write from the string. */
export function plainKey(key: string): boolean {
  return !SURROGATE.test(key);
}

/** The key as a command argument: the string itself when its encoding is plain UTF-8 (cheaper to send), else bytes. */
export function keyArgument(key: string): string | Buffer {
  return SURROGATE.test(key) ? encodeKey(key) : key;
}

export function encodeKey(key: string): Buffer {
  if (!SURROGATE.test(key)) return Buffer.from(key, 'utf8');
  const bytes: number[] = [];
  for (let i = 0; i < key.length; i++) {
    const unit = key.charCodeAt(i);
    if (unit < 0x80) bytes.push(unit);
    else if (unit < 0x800) bytes.push(0xc0 | (unit >> 6), 0x80 | (unit & 0x3f));
    else bytes.push(0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f));
  }
  return Buffer.from(bytes);
}

/**
 * The inverse of encodeKey. A surrogate's 3-byte form starts with 0xED; so do U+D000-U+D7FF, which UTF-8 decodes
 * alike, so bytes without 0xED take Node's fast UTF-8 decoder.
 */
export function decodeKey(bytes: Buffer): string {
  if (!bytes.includes(0xed)) return bytes.toString('utf8');
  const units: number[] = [];
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b < 0x80) {
      units.push(b);
      i += 1;
    } else if (b < 0xe0) {
      units.push(((b & 0x1f) << 6) | (bytes[i + 1]! & 0x3f));
      i += 2;
    } else if (b < 0xf0) {
      units.push(((b & 0x0f) << 12) | ((bytes[i + 1]! & 0x3f) << 6) | (bytes[i + 2]! & 0x3f));
      i += 3;
    } else {
      // 4-byte UTF-8, which this store never writes: decoded anyway, as its surrogate pair.
      const point = ((b & 0x07) << 18) | ((bytes[i + 1]! & 0x3f) << 12) | ((bytes[i + 2]! & 0x3f) << 6) | (bytes[i + 3]! & 0x3f);
      units.push(0xd800 + ((point - 0x10000) >> 10), 0xdc00 + ((point - 0x10000) & 0x3ff));
      i += 4;
    }
  }
  let text = '';
  for (let i = 0; i < units.length; i += 4096) text += String.fromCharCode(...units.slice(i, i + 4096));
  return text;
}

export function checkNamespace(namespace: unknown): asserts namespace is string {
  if (typeof namespace !== 'string' || !NAMESPACE_PATTERN.test(namespace)) {
    throw new ResoluteError('INVALID_ARGUMENT', `namespace ${JSON.stringify(namespace)} must match ${String(NAMESPACE_PATTERN)}`, { retryable: false });
  }
}

export function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') throw new ResoluteError('INVALID_ARGUMENT', `a key must be a string, got ${typeof key}`, { retryable: false });
}

/** A StoreRange as ZRANGEBYLEX bounds (`[key`, `(key`, `-`, `+`), with its order and limit. */
export interface LexRange {
  min: Buffer | string;
  max: Buffer | string;
  reverse: boolean;
  /** Infinity without a limit. */
  limit: number;
}

const INCLUSIVE = Buffer.from('[');
const EXCLUSIVE = Buffer.from('(');

export function inclusive(key: Buffer): Buffer {
  return Buffer.concat([INCLUSIVE, key]);
}

export function exclusive(key: Buffer): Buffer {
  return Buffer.concat([EXCLUSIVE, key]);
}

/**
 * When both gt and gte (or lt and lte) are given, the tighter one applies, as in core's `inRange`. An empty range
 * (lower bound above the upper one) needs no special case: ZRANGEBYLEX returns nothing for it.
 */
export function lexRange(range: StoreRange = {}): LexRange {
  const limit = range.limit ?? Infinity;
  if (range.limit !== undefined && (!Number.isInteger(range.limit) || range.limit < 0)) {
    throw new ResoluteError('INVALID_ARGUMENT', `range.limit must be a whole number >= 0, got ${String(range.limit)}`, { retryable: false });
  }
  for (const bound of [range.gt, range.gte, range.lt, range.lte]) if (bound !== undefined) checkKey(bound);
  const { gt, gte, lt, lte } = range;
  const min = gt !== undefined && (gte === undefined || gt >= gte) ? exclusive(encodeKey(gt)) : gte !== undefined ? inclusive(encodeKey(gte)) : '-';
  const max = lte !== undefined && (lt === undefined || lte < lt) ? inclusive(encodeKey(lte)) : lt !== undefined ? exclusive(encodeKey(lt)) : '+';
  return { min, max, reverse: range.reverse === true, limit };
}
