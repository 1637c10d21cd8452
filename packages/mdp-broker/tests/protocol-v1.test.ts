import { describe, expect, it } from 'vitest';
import {
  encodeClientV1,
  encodeDisconnectV1,
  encodeHeartbeatV1,
  encodeReadyV1,
  encodeWorkerReplyV1,
  encodeWorkerRequestV1,
  parseClientV1,
  parseWorkerV1,
} from '../src/index.js';

const hex = (frames: Buffer[]): string[] => frames.map((f) => f.toString('hex'));
const b = (s: string): Buffer => Buffer.from(s);
const H_C = '4d4450433031'; // "MDPC01"
const H_W = '4d4450573031'; // "MDPW01"
const ECHO = '6563686f';
const CLIENT = Buffer.from([0x00, 0x6b, 0x8b, 0x45, 0x68]);

describe('7/MDP v0.1 client frames', () => {
  it('lays out REQUEST and REPLY behind the empty delimiter', () => {
    expect(hex(encodeClientV1('echo', [b('hi'), Buffer.from([0])]))).toEqual(['', H_C, ECHO, '6869', '00']);
  });

  it('parses what it encodes', () => {
    expect(parseClientV1(encodeClientV1('echo', [b('a')]))).toEqual({ type: 'request', service: 'echo', body: [b('a')] });
  });

  it.each([
    ['no frames', []],
    ['a missing delimiter', [b('MDPC01'), b('echo'), b('x')]],
    ['the v0.2 header', [Buffer.alloc(0), b('MDPC02'), b('echo'), b('x')]],
    ['no service', [Buffer.alloc(0), b('MDPC01')]],
    ['no body', [Buffer.alloc(0), b('MDPC01'), b('echo')]],
  ])('refuses %s with MALFORMED_MESSAGE', (_label, frames) => {
    expect(() => parseClientV1(frames)).toThrow(expect.objectContaining({ code: 'MALFORMED_MESSAGE' }));
  });
});

describe('7/MDP v0.1 worker frames', () => {
  it('lays out READY (0x01), REQUEST (0x02), REPLY (0x03), HEARTBEAT (0x04), DISCONNECT (0x05) behind the delimiter', () => {
    expect(hex(encodeReadyV1('echo'))).toEqual(['', H_W, '01', ECHO]);
    expect(hex(encodeWorkerRequestV1(CLIENT, [b('q')]))).toEqual(['', H_W, '02', '006b8b4568', '', '71']);
    expect(hex(encodeWorkerReplyV1(CLIENT, [b('r')]))).toEqual(['', H_W, '03', '006b8b4568', '', '72']);
    expect(hex(encodeHeartbeatV1())).toEqual(['', H_W, '04']);
    expect(hex(encodeDisconnectV1())).toEqual(['', H_W, '05']);
  });

  it('parses what it encodes', () => {
    expect(parseWorkerV1(encodeReadyV1('echo'))).toEqual({ type: 'ready', service: 'echo' });
    expect(parseWorkerV1(encodeWorkerRequestV1(CLIENT, [b('q')]))).toEqual({ type: 'request', client: CLIENT, body: [b('q')] });
    expect(parseWorkerV1(encodeWorkerReplyV1(CLIENT, [b('r')]))).toEqual({ type: 'reply', client: CLIENT, body: [b('r')] });
    expect(parseWorkerV1(encodeHeartbeatV1())).toEqual({ type: 'heartbeat' });
    expect(parseWorkerV1(encodeDisconnectV1())).toEqual({ type: 'disconnect' });
  });

  it.each([
    ['a missing delimiter', [b('MDPW01'), Buffer.from([4])]],
    ['the v0.2 header', [Buffer.alloc(0), b('MDPW02'), Buffer.from([4])]],
    ['an unknown command 0x06', [Buffer.alloc(0), b('MDPW01'), Buffer.from([6])]],
    ['REPLY without the empty frame', [Buffer.alloc(0), b('MDPW01'), Buffer.from([3]), CLIENT, b('x')]],
    ['REPLY without a body', [Buffer.alloc(0), b('MDPW01'), Buffer.from([3]), CLIENT, Buffer.alloc(0)]],
    ['HEARTBEAT with a payload', [Buffer.alloc(0), b('MDPW01'), Buffer.from([4]), b('x')]],
  ])('refuses %s with MALFORMED_MESSAGE', (_label, frames) => {
    expect(() => parseWorkerV1(frames)).toThrow(expect.objectContaining({ code: 'MALFORMED_MESSAGE' }));
  });
});
