import { describe, expect, it } from 'vitest';
import { decodeFrames, encodeAck, encodeDeliver, encodeNack } from '../src/index.js';

const hex = (frames: Buffer[]): string[] => frames.map((f) => f.toString('hex'));

describe('zmq-peer frames (RZP1)', () => {
  it('lays out DELIVER, ACK and NACK byte for byte', () => {
    expect(hex(encodeDeliver(0x01020304, [Buffer.from('m1'), Buffer.from([0, 255])]))).toEqual(['525a5031', '44', '01020304', '6d31', '00ff']);
    expect(hex(encodeAck(7))).toEqual(['525a5031', '41', '00000007']);
    expect(hex(encodeNack(0xffffffff, 'disk full'))).toEqual(['525a5031', '4e', 'ffffffff', Buffer.from('disk full').toString('hex')]);
  });

  it('decodes what it encodes', () => {
    expect(decodeFrames(encodeDeliver(9, [Buffer.from('a')]))).toEqual({ type: 'deliver', batchId: 9, messages: [Buffer.from('a')] });
    expect(decodeFrames(encodeAck(9))).toEqual({ type: 'ack', batchId: 9 });
    expect(decodeFrames(encodeNack(9, 'x'))).toEqual({ type: 'nack', batchId: 9, reason: 'x' });
  });

  it.each([
    ['no frames', []],
    ['another protocol', [Buffer.from('MDPW02'), Buffer.from('D'), Buffer.alloc(4), Buffer.from('m')]],
    ['an unknown command', [Buffer.from('RZP1'), Buffer.from('X'), Buffer.alloc(4)]],
    ['a short batch id', [Buffer.from('RZP1'), Buffer.from('A'), Buffer.alloc(3)]],
    ['a DELIVER without messages', [Buffer.from('RZP1'), Buffer.from('D'), Buffer.alloc(4)]],
    ['an ACK with extra frames', [Buffer.from('RZP1'), Buffer.from('A'), Buffer.alloc(4), Buffer.from('x')]],
    ['a NACK without a reason', [Buffer.from('RZP1'), Buffer.from('N'), Buffer.alloc(4)]],
  ])('refuses %s with MALFORMED_MESSAGE', (_label, frames) => {
    expect(() => decodeFrames(frames as Buffer[])).toThrow(expect.objectContaining({ code: 'MALFORMED_MESSAGE' }));
  });
});
