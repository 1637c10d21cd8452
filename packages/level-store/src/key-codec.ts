import { NAMESPACE_PATTERN, ResoluteError, type StoreRange } from '@resolute/core';

/**
 * How a (namespace, key) pair becomes one LevelDB key: `namespace + '\0' + key`, stored as UTF-8.
 *
 * A namespace cannot contain NUL (NAMESPACE_PATTERN), so the first NUL always ends it: 'a' + 'bx' and 'ab' + 'x'
 * stay apart, and every key of namespace `ns` lies in ['ns\0', 'ns\x01'), a LevelDB range. Keys themselves may
 * contain NUL (outbox keys do). LevelDB compares UTF-8 bytes, which is code point order: the same as JavaScript's
 * `<` for every key without characters above U+FFFF (the pipeline's keys are ASCII).
 */
const SEPARATOR = '\u0000';
const AFTER_SEPARATOR = '\u0001';

/** A lone surrogate cannot be written as UTF-8: two different keys would collapse into one. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

export function checkNamespace(namespace: unknown): asserts namespace is string {
  if (typeof namespace !== 'string' || !NAMESPACE_PATTERN.test(namespace)) {
    throw new ResoluteError('INVALID_ARGUMENT', `namespace ${JSON.stringify(namespace)} must match ${String(NAMESPACE_PATTERN)}`);
  }
}

export function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') {
    throw new ResoluteError('INVALID_ARGUMENT', `a key must be a string, got ${typeof key}`);
  }
  if (LONE_SURROGATE.test(key)) {
    throw new ResoluteError('INVALID_ARGUMENT', `key ${JSON.stringify(key)} holds a lone UTF-16 surrogate, which cannot be stored`);
  }
}

export function encodeKey(namespace: string, key: string): string {
  return namespace + SEPARATOR + key;
}

/** The key part of a stored key known to belong to `namespace`. */
export function decodeKey(namespace: string, stored: string): string {
  return stored.slice(namespace.length + 1);
}

/** The namespace part of any stored key. */
export function namespaceOf(stored: string): string {
  const end = stored.indexOf(SEPARATOR);
  return end === -1 ? stored : stored.slice(0, end);
}

/** The first stored key that sorts after every key of `namespace`. */
export function afterNamespace(namespace: string): string {
  return namespace + AFTER_SEPARATOR;
}

export interface LevelRange {
  gt?: string;
  gte?: string;
  lt?: string;
  lte?: string;
  reverse: boolean;
  limit: number;
}

/**
 * The LevelDB range for `range` inside `namespace`: always bounded on both sides by the namespace, so no iteration
 * (forward or reverse) can leave it. When both gt and gte (or lt and lte) are given, the tighter one applies, as in
 * core's `inRange`.
 */
export function levelRange(namespace: string, range: StoreRange = {}): LevelRange {
  const result: LevelRange = { reverse: range.reverse === true, limit: range.limit ?? -1 };
  if (!Number.isInteger(result.limit) || result.limit < -1) {
    throw new ResoluteError('INVALID_ARGUMENT', `range.limit must be a whole number >= 0, got ${String(range.limit)}`);
  }
  for (const bound of [range.gt, range.gte, range.lt, range.lte]) if (bound !== undefined) checkKey(bound);
  const useGt = range.gt !== undefined && (range.gte === undefined || range.gt >= range.gte);
  if (useGt) result.gt = encodeKey(namespace, range.gt as string);
  else result.gte = encodeKey(namespace, range.gte ?? '');
  const useLte = range.lte !== undefined && (range.lt === undefined || range.lte < range.lt);
  if (useLte) result.lte = encodeKey(namespace, range.lte as string);
  else if (range.lt !== undefined) result.lt = encodeKey(namespace, range.lt);
  else result.lt = afterNamespace(namespace);
  return result;
}
