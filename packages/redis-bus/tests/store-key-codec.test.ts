import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeKey, encodeKey } from '../src/store/key-codec.js';

function randomKey(): string {
  // Mostly BMP, some supplementary characters, some lone surrogates, NUL and U+FFFF.
  const pool = ['a', 'z', '\0', '\uFFFF', '\uE000', 'é', '键', '🔑', '😀', '\uD800', '\uDFFF', '\uD7FF', 'ÿ', '\u07FF', '\u0800'];
  return Array.from({ length: randomInt(0, 6) }, () => pool[randomInt(pool.length)]).join('');
}

describe('store key codec (CESU-8)', () => {
  it('keeps ASCII and BMP keys as plain UTF-8 bytes', () => {
    expect(encodeKey('outbox\0dest')).toEqual(Buffer.from('outbox\0dest', 'utf8'));
    expect(encodeKey('ключ 键 \uFFFF')).toEqual(Buffer.from('ключ 键 \uFFFF', 'utf8'));
  });

  it('round-trips every string, lone surrogates included', () => {
    for (let i = 0; i < 2_000; i++) {
      const key = randomKey();
      expect(decodeKey(encodeKey(key))).toBe(key);
    }
    expect(decodeKey(encodeKey('\uD800'))).toBe('\uD800');
    expect(decodeKey(encodeKey('x\uDC00\uD800y'))).toBe('x\uDC00\uD800y');
    expect(decodeKey(encodeKey('\uD7FF\uD83D\uDD11'))).toBe('\uD7FF\uD83D\uDD11');
  });

  it("orders bytes exactly as JavaScript orders strings (UTF-16 code units), unlike UTF-8's code point order", () => {
    const keys = Array.from({ length: 3_000 }, randomKey);
    const byString = [...keys].sort();
    const byBytes = [...keys].sort((a, b) => Buffer.compare(encodeKey(a), encodeKey(b)));
    expect(byBytes).toEqual(byString);
    // The case UTF-8 gets wrong: U+1F511 is D83D DD11 in UTF-16, below U+FFFF; as a code point it is above.
    expect('🔑' < '\uFFFF').toBe(true);
    expect(Buffer.compare(encodeKey('🔑'), encodeKey('\uFFFF'))).toBe(-1);
    expect(Buffer.compare(Buffer.from('🔑'), Buffer.from('\uFFFF'))).toBe(1);
  });

  it('decodes 4-byte UTF-8 written by something else as its surrogate pair', () => {
    expect(decodeKey(Buffer.from('\uD7FF🔑', 'utf8'))).toBe('\uD7FF🔑');
  });
});
