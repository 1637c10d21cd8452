/*
 * JSON text of a payload, exactly as JSON.stringify writes it, but faster for payloads that carry long strings.
 *
 * Why: on Node 20, JSON.stringify escapes a string char by char (~2.5 ns per char on the bench machine: 10 µs for
 * a 4 KB string, more than the rest of a message's encoding). JSON.parse scans much faster. A string whose text
 * '"' + s + '"' parses back to exactly s needs no escaping, so that text is what JSON.stringify would have written:
 *   - a raw control character or an inner '"' makes the parse fail, a backslash makes the parsed string differ;
 *   - a lone surrogate parses back unchanged, but JSON.stringify escapes it, hence isWellFormed first.
 * Any other string falls back to JSON.stringify. Short strings always do: below LONG the check costs more.
 */
export const LONG = 256;

/** True when the payload holds a string of at least LONG chars: only then is plainJsonText faster than JSON.stringify. */
export function hasLongString(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.length >= LONG;
  if (value === null || typeof value !== 'object' || depth > 32) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (hasLongString(item, depth + 1)) return true;
    return false;
  }
  for (const key in value) if (Object.hasOwn(value, key) && hasLongString((value as Record<string, unknown>)[key], depth + 1)) return true;
  return false;
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
  if (Object.getPrototypeOf(items) !== Array.prototype) return undefined;
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
  const quoted = `"${value}"`;
  try {
    if ((value as WellFormedCheck).isWellFormed() && JSON.parse(quoted) === value) return quoted;
  } catch {
    // needs escaping: fall through
  }
  return JSON.stringify(value);
}
