import { describe, expect, it } from 'vitest';
import { hasLongString, LONG, MAX_VALUES, plainJsonText } from '../src/json-text.js';
import { createEnvelope, jsonCodec } from '../src/index.js';

const long = (text: string) => text.repeat(Math.ceil((LONG + 10) / text.length));

// Strings of every kind the fast path must tell apart: safe ones it may write raw, and ones that need escaping.
const STRINGS = [
  long('x'),
  long('héllo ✓ 🚀 '),
  long('a"b'),
  long('a\\b'),
  long('a\\"b'),
  long('line\nbreak\ttab\r'),
  long('\u0000\u0001\u001f'),
  long('\u2028\u2029'),
  long('\u007f\u0080\u00ff'),
  long('x') + '\ud800', // lone high surrogate at the end
  '\udc00' + long('x'), // lone low surrogate at the start
  long('x') + '"',
  '"' + long('x'),
  long('x') + '\\',
  long('\\u0041'), // looks like an escape: must be written escaped, not parsed into "A"
  'short "one"',
  '',
];

describe('plainJsonText', () => {
  it.each(STRINGS.map((s) => [JSON.stringify(s).slice(0, 30), s]))('writes %s exactly as JSON.stringify does', (_label, value) => {
    expect(plainJsonText(value)).toBe(JSON.stringify(value));
    expect(plainJsonText({ a: [value, { b: value }] })).toBe(JSON.stringify({ a: [value, { b: value }] }));
  });

  it('follows JSON.stringify on the values it leaves out or turns into null', () => {
    const value = { a: undefined, b: () => 1, c: Symbol('s'), d: [undefined, () => 1, Symbol('s'), NaN, -Infinity, -0], e: 1e21, f: 5e-7, s: long('x') };
    expect(plainJsonText(value)).toBe(JSON.stringify(value));
  });

  it('gives up (undefined) where JSON.stringify applies rules of its own, so the caller falls back to it', () => {
    class Point {
      x = 1;
    }
    expect(plainJsonText({ when: new Date(0) })).toBeUndefined();
    expect(plainJsonText({ p: new Point() })).toBeUndefined();
    expect(plainJsonText({ s: Object('boxed') })).toBeUndefined();
    expect(plainJsonText({ n: 1n })).toBeUndefined();
    expect(plainJsonText({ toJSON: () => 'x' })).toBeUndefined();
    class Tags extends Array<string> {}
    expect(plainJsonText({ tags: Tags.from(['a']) })).toBeUndefined();
    expect(plainJsonText({ tags: Object.assign(['a', 'b'], { toJSON: () => 'a,b' }) })).toBeUndefined();
    // A boxed primitive given a plain prototype keeps the internal slot JSON.stringify reads.
    expect(plainJsonText({ n: Object.setPrototypeOf(Object(5), Object.prototype) as unknown })).toBeUndefined();
    const cycle: Record<string, unknown> = { s: long('x') };
    cycle.self = cycle;
    expect(plainJsonText(cycle)).toBeUndefined();
  });

  it('matches JSON.stringify on seeded random trees', () => {
    let state = 0x2f6b1d;
    const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)];
    const randomString = () => {
      const length = next() < 0.5 ? Math.floor(next() * 20) : LONG + Math.floor(next() * 600);
      let text = '';
      const alphabet = ['a', 'Z', '0', ' ', '"', '\\', '\n', '\u0001', 'é', '✓', '\u2028', '\ud83d\ude80', '\ud800', '/'];
      // Mostly plain text, now and then a char that needs escaping or care.
      for (let i = 0; i < length; i++) text += next() < 0.97 ? 'x' : pick(alphabet);
      return text;
    };
    const tree = (depth: number): unknown => {
      const roll = next();
      if (depth > 4 || roll < 0.35) return pick<unknown>([randomString(), next() * 1e6 - 5e5, Math.floor(next() * 100), true, false, null, undefined]);
      if (roll < 0.6) return Array.from({ length: Math.floor(next() * 5) }, () => tree(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(next() * 5) }, () => [randomString().slice(0, 8), tree(depth + 1)]));
    };
    for (let i = 0; i < 2000; i++) {
      const value = tree(0);
      expect(plainJsonText(value) ?? 'gave up').toBe(JSON.stringify(value) ?? 'gave up');
    }
  });
});

describe('hasLongString', () => {
  it('finds a long string at any depth, and only then', () => {
    expect(hasLongString('x'.repeat(LONG))).toBe(true);
    expect(hasLongString({ a: [1, { b: 'x'.repeat(LONG) }] })).toBe(true);
    expect(hasLongString({ a: [1, { b: 'x'.repeat(LONG - 1) }] })).toBe(false);
    expect(hasLongString(null)).toBe(false);
  });

  it('leaves payloads of many values to JSON.stringify, whose native writer is faster per value', () => {
    const many = Array.from({ length: MAX_VALUES }, (_, i) => i);
    expect(hasLongString([long('x'), ...many])).toBe(false);
    expect(hasLongString([long('x'), ...many.slice(0, MAX_VALUES - 2)])).toBe(true);
  });
});

/** The payload part of an encoded envelope, as text (see the layout in codec.ts). */
function bodyText(bytes: Buffer): string {
  return bytes.subarray(6 + bytes.readUInt32BE(2)).toString('utf8');
}

describe('jsonCodec with long strings', () => {
  it.each(STRINGS.map((s) => [JSON.stringify(s).slice(0, 30), s]))('writes the same payload bytes as JSON.stringify for %s', (_label, value) => {
    const payload = { seq: 1, pad: value, nested: [value], tags: Object.assign(['a'], { toJSON: () => 'a' }) };
    const encoded = jsonCodec.encode(createEnvelope({ kind: 'event', topic: 't', payload, source: 'test', headers: {} }));
    expect(bodyText(encoded)).toBe(JSON.stringify({ p: payload }));
    expect(bodyText(jsonCodec.encode(createEnvelope({ kind: 'event', topic: 't', payload: value, source: 'test', headers: {} })))).toBe(JSON.stringify({ p: value }));
  });

  it('honours a toJSON that every object inherits, as JSON.stringify does', () => {
    const proto = Object.prototype as { toJSON?: () => unknown };
    proto.toJSON = () => 'replaced';
    try {
      const encoded = jsonCodec.encode(createEnvelope({ kind: 'event', topic: 't', payload: long('x'), source: 'test', headers: {} }));
      expect(bodyText(encoded)).toBe(JSON.stringify({ p: long('x') }));
    } finally {
      delete proto.toJSON;
    }
  });

  it.each(STRINGS.map((s) => [JSON.stringify(s).slice(0, 30), s]))('round-trips %s inside a payload', (_label, value) => {
    const original = createEnvelope({ kind: 'event', topic: 't', payload: { seq: 1, pad: value, nested: [value] }, source: 'test', headers: {} });
    expect(jsonCodec.decode(jsonCodec.encode(original))).toEqual(original);
  });
});
