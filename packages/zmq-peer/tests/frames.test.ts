import { describe, expect, it } from 'vitest';
import { decodeFrames, encodeAck, encodeDeliver, encodeNack } from '../src/index.js';

const hex = (frames: Buffer[]): string[] => frames.map((f) => f.toString('hex'));
const frame = (...parts: (string | Buffer)[]): Buffer[] => parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p));
/** A packed messages frame from lengths and bodies given as they should appear on the wire (lengths may lie). */
const packed = (...entries: [length: number, body: Buffer][]): Buffer =>
  Buffer.concat(entries.flatMap(([length, body]) => [Buffer.from([length >>> 24, (length >>> 16) & 255, (length >>> 8) & 255, length & 255]), body]));

describe('zmq-peer frames (RZP2)', () => {
  it('lays out DELIVER, ACK and NACK byte for byte', () => {
    // The messages travel in one frame, each behind its 4-byte length.
    expect(hex(encodeDeliver(0x01020304, [Buffer.from('m1'), Buffer.from([0, 255])]))).toEqual(['525a5032', '44', '01020304', '000000026d31' + '0000000200ff']);
    expect(hex(encodeAck(7))).toEqual(['525a5032', '41', '00000007']);
    expect(hex(encodeNack(0xffffffff, 'disk full'))).toEqual(['525a5032', '4e', 'ffffffff', Buffer.from('disk full').toString('hex')]);
  });

  it('decodes what it encodes, large messages and the most messages a DELIVER may hold included', () => {
    const messages = [Buffer.from('a'), Buffer.alloc(70_000, 7), Buffer.from('z')];
    const most = Array.from({ length: 10_000 }, (_, i) => Buffer.from(String(i)));
    expect(decodeFrames(encodeDeliver(3, most))).toEqual({ type: 'deliver', batchId: 3, messages: most });
    expect(decodeFrames(encodeDeliver(9, messages))).toEqual({ type: 'deliver', batchId: 9, messages });
    expect(decodeFrames(encodeAck(9))).toEqual({ type: 'ack', batchId: 9 });
    expect(decodeFrames(encodeNack(9, 'x'))).toEqual({ type: 'nack', batchId: 9, reason: 'x' });
  });

  it('hands each message over as a view into the received frame, not a copy (the bus copies what it keeps)', () => {
    const frames = encodeDeliver(1, [Buffer.from('first'), Buffer.from('second')]);
    const decoded = decodeFrames(frames);
    if (decoded.type !== 'deliver') throw new Error('expected a DELIVER');
    expect(decoded.messages.map(String)).toEqual(['first', 'second']);
    for (const message of decoded.messages) expect(message.buffer).toBe(frames[3]!.buffer);
  });

  it.each([
    ['no frames', []],
    ['another protocol', frame('MDPW02', 'D', Buffer.alloc(4), packed([1, Buffer.from('m')]))],
    ['an unknown command', frame('RZP2', 'X', Buffer.alloc(4))],
    ['a short batch id', frame('RZP2', 'A', Buffer.alloc(3))],
    ['a DELIVER without its messages frame', frame('RZP2', 'D', Buffer.alloc(4))],
    ['a DELIVER with an empty messages frame', frame('RZP2', 'D', Buffer.alloc(4), Buffer.alloc(0))],
    ['a DELIVER with two messages frames', frame('RZP2', 'D', Buffer.alloc(4), packed([1, Buffer.from('m')]), packed([1, Buffer.from('n')]))],
    ['a length that runs past the frame', frame('RZP2', 'D', Buffer.alloc(4), packed([5, Buffer.from('abcd')]))],
    ['a second length that runs past the frame', frame('RZP2', 'D', Buffer.alloc(4), packed([1, Buffer.from('a')], [0xffffffff, Buffer.from('b')]))],
    ['an empty message', frame('RZP2', 'D', Buffer.alloc(4), packed([1, Buffer.from('a')], [0, Buffer.alloc(0)]))],
    ['more than 10,000 messages', frame('RZP2', 'D', Buffer.alloc(4), packed(...Array.from({ length: 10_001 }, (): [number, Buffer] => [1, Buffer.from('m')])))],
    ['bytes left over after the last message', frame('RZP2', 'D', Buffer.alloc(4), Buffer.concat([packed([1, Buffer.from('a')]), Buffer.from([0, 0])]))],
    ['an ACK with extra frames', frame('RZP2', 'A', Buffer.alloc(4), 'x')],
    ['a NACK without a reason', frame('RZP2', 'N', Buffer.alloc(4))],
  ])('refuses %s with MALFORMED_MESSAGE', (_label, frames) => {
    expect(() => decodeFrames(frames)).toThrow(expect.objectContaining({ code: 'MALFORMED_MESSAGE' }));
  });

  it('tells a peer of the older protocol (RZP1, a frame per message) to upgrade', () => {
    expect(() => decodeFrames(frame('RZP1', 'D', Buffer.alloc(4), 'm1', 'm2'))).toThrow(/older version: upgrade it to speak RZP2/);
  });
});
