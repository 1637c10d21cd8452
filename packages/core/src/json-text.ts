/*
 * JSON text of a payload, exactly as JSON.stringify writes it, but faster for small payloads that carry long strings.
 *
 * Why: on Node 20, JSON.stringify escapes a string char by char (~2.5 ns per char on the bench machine: 10 µs for
 * a 4 KB string, more than the rest of a message's encoding). JSON.parse scans much faster. A string whose text
 * '"' + s + '"' parses back to exactly s needs no escaping, so that text is what JSON.stringify would have written:
 *   - a raw control character or an inner '"' makes the parse fail, a backslash makes the parsed string differ;
 *   - a lone surrogate parses back unchanged, but JSON.stringify escapes it, hence isWellFormed first.
 * A string holding a common escape (quote, backslash, newline, tab) is found by includes() and goes straight to
 * JSON.stringify; so does any short string (below LONG the check costs more than it saves).
 */
export const LONG = 256;
/**
 * Values (objects, arrays, primitives) past which a payload goes to JSON.stringify whole: the JS writer is slower
 * than the native one per value, so it only pays when a few long strings are most of the text.
 */
export const MAX_VALUES = 64;

/** Chars that often need escaping in real text (prose, logs, HTML, JSON in a string): found cheaply, no throw. */
const COMMON_ESCAPES = ['"', '\\', '\n', '\r', '\t'];
const objectTag = (value: object): string => Object.prototype.toString.call(value);

/** True when the payload holds a string of at least LONG chars and no more than MAX_VALUES values in all. */
export function hasLongString(value: unknown): boolean {
  const walk = { values: 0, long: false };
  return visit(value, 0, walk) && walk.long;
}

/** False once the walk went past MAX_VALUES (or too deep): the payload is not worth the JS writer. */
function visit(value: unknown, depth: number, walk: { values: number; long: boolean }): boolean {
  if (++walk.values > MAX_VALUES || depth > 32) return false;
  if (typeof value === 'string') {
    if (value.length >= LONG) walk.long = true;
    return true;
  }
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) {
    for (const item of value) if (!visit(item, depth + 1, walk)) return false;
    return true;
  }
  for (const key in value) if (Object.hasOwn(value, key) && !visit((value as Record<string, unknown>)[key], depth + 1, walk)) return false;
  return true;
}

/**
 * JSON.stringify(value) for a tree of plain objects, arrays and primitives. Returns undefined (caller falls back to
 * JSON.stringify) for anything whose text JSON.stringify decides by other rules: class instances, boxed primitives,
 * toJSON, bigint, cycles or nesting deeper than 64.
 */
export function plainJsonText(value: unknown, depth = 0): string | undefined {
  switch (typeof value) {
    case 'string':
      return value.length >= LONG ? longString(value) : JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (depth > 64) return undefined;
      return Array.isArray(value) ? arrayText(value, depth) : objectText(value, depth);
    default:
      return undefined;
  }
}

function arrayText(items: unknown[], depth: number): string | undefined {
  if (Object.getPrototypeOf(items) !== Array.prototype || typeof (items as { toJSON?: unknown }).toJSON === 'function') return undefined;
  let text = '[';
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    // JSON.stringify writes null for array slots it cannot represent.
    const part = item === undefined || typeof item === 'function' || typeof item === 'symbol' ? 'null' : plainJsonText(item, depth + 1);
    if (part === undefined) return undefined;
    text += i === 0 ? part : `,${part}`;
  }
  return `${text}]`;
}

function objectText(object: object, depth: number): string | undefined {
  const proto: unknown = Object.getPrototypeOf(object);
  if ((proto !== Object.prototype && proto !== null) || typeof (object as { toJSON?: unknown }).toJSON === 'function') return undefined;
  // A boxed primitive given a plain prototype still has its internal slot, which JSON.stringify reads.
  if (objectTag(object) !== '[object Object]') return undefined;
  let text = '{';
  let first = true;
  for (const key of Object.keys(object)) {
    const item = (object as Record<string, unknown>)[key];
    // JSON.stringify leaves out properties it cannot represent.
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    const part = plainJsonText(item, depth + 1);
    if (part === undefined) return undefined;
    text += `${first ? '' : ','}${JSON.stringify(key)}:${part}`;
    first = false;
  }
  return `${text}}`;
}

/** String.prototype.isWellFormed: in Node 20, not yet in the ES2023 lib this repo compiles against. */
type WellFormedCheck = string & { isWellFormed(): boolean };

function longString(value: string): string {
  for (const char of COMMON_ESCAPES) if (value.includes(char)) return JSON.stringify(value);
  if (!(value as WellFormedCheck).isWellFormed()) return JSON.stringify(value);
  const quoted = `"${value}"`;
  try {
    if (JSON.parse(quoted) === value) return quoted;
  } catch {
    // a rarer control character: needs escaping
  }
  return JSON.stringify(value);
}
