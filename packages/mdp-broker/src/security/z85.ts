/*
 * Z85 (ZeroMQ RFC 32), the text form of CURVE keys: every 4 bytes as 5 characters of the alphabet below, most
 * significant first. A 32-byte key is 40 characters. Used to validate configured keys and to compare and log the raw
 * 32-byte client keys ZAP hands the broker.
 */
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const DIGITS = new Map([...ALPHABET].map((char, value) => [char, value]));

/** The bytes a Z85 text encodes, or undefined if it is not valid Z85 (length, alphabet, or a group above 2^32 - 1). */
export function z85Decode(text: string): Buffer | undefined {
  if (text.length % 5 !== 0) return undefined;
  const out = Buffer.alloc((text.length / 5) * 4);
  for (let group = 0; group < text.length / 5; group += 1) {
    let value = 0;
    for (const char of text.slice(group * 5, group * 5 + 5)) {
      const digit = DIGITS.get(char);
      if (digit === undefined) return undefined;
      value = value * 85 + digit;
    }
    if (value > 0xffffffff) return undefined;
    out.writeUInt32BE(value, group * 4);
  }
  return out;
}

/** The Z85 text of `bytes` (a multiple of 4 long, as CURVE keys are). */
export function z85Encode(bytes: Buffer): string {
  let text = '';
  for (let offset = 0; offset + 4 <= bytes.length; offset += 4) {
    let value = bytes.readUInt32BE(offset);
    let group = '';
    for (let i = 0; i < 5; i += 1) {
      group = ALPHABET[value % 85] + group;
      value = Math.floor(value / 85);
    }
    text += group;
  }
  return text;
}
