/** Z85 (ZeroMQ RFC 32) decoding, for comparing the 32-byte CURVE keys ZAP hands us with configured Z85 keys. */
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const VALUES = new Map([...ALPHABET].map((c, i) => [c, i]));

export function z85Decode(text: string): Buffer {
  if (text.length % 5 !== 0) throw new Error('Z85 text length must be a multiple of 5');
  const out = Buffer.alloc((text.length / 5) * 4);
  for (let i = 0; i < text.length; i += 5) {
    let value = 0;
    for (let j = 0; j < 5; j++) {
      const digit = VALUES.get(text[i + j]!);
      if (digit === undefined) throw new Error(`invalid Z85 character ${JSON.stringify(text[i + j])}`);
      value = value * 85 + digit;
    }
    out.writeUInt32BE(value >>> 0, (i / 5) * 4);
  }
  return out;
}
