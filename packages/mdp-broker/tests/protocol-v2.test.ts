import { describe, expect, it } from 'vitest';
import {
  encodeClientFinalV2,
  encodeClientPartialV2,
  encodeClientRequestV2,
  encodeDisconnectV2,
  encodeHeartbeatV2,
  encodeReadyV2,
  encodeWorkerFinalV2,
  encodeWorkerPartialV2,
  encodeWorkerRequestV2,
  parseClientV2,
  parseWorkerV2,
} from '../src/index.js';

const hex = (frames: Buffer[]): string[] => frames.map((f) => f.toString('hex'));
const b = (s: string): Buffer => Buffer.from(s);
const H_C = '4d4450433032'; // "MDPC02"
const H_W = '4d4450573032'; // "MDPW02"
const ECHO = '6563686f'; // "echo"
const CLIENT = Buffer.from([0x00, 0x6b, 0x8b, 0x45, 0x67]); // a ROUTER-made routing id

describe('18/MDP v0.2 client frames', () => {
  it('lays out REQUEST (0x01), PARTIAL (0x02), FINAL (0x03) byte for byte', () => {
    expect(hex(encodeClientRequestV2('echo', [b('hi'), Buffer.from([0, 255])]))).toEqual([H_C, '01', ECHO, '6869', '00ff']);
    expect(hex(encodeClientPartialV2('echo', [b('p')]))).toEqual([H_C, '02', ECHO, '70']);
    expect(hex(encodeClientFinalV2('echo', [b('f')]))).toEqual([H_C, '03', ECHO, '66']);
  });

  it('parses what it encodes', () => {
    expect(parseClientV2(encodeClientRequestV2('echo', [b('a'), b('b')]))).toEqual({ type: 'request', service: 'echo', body: [b('a'), b('b')] });
    expect(parseClientV2(encodeClientPartialV2('echo', [b('p')]))).toEqual({ type: 'partial', service: 'echo', body: [b('p')] });
    expect(parseClientV2(encodeClientFinalV2('echo', [b('f')]))).toEqual({ type: 'final', service: 'echo', body: [b('f')] });
  });

  it.each([
    ['no frames', []],
    ['the v0.1 header', [b('MDPC01'), Buffer.from([1]), b('echo'), b('x')]],
    ['a worker header', [b('MDPW02'), Buffer.from([1]), b('echo'), b('x')]],
    ['an unknown command', [b('MDPC02'), Buffer.from([4]), b('echo'), b('x')]],
    ['a two-byte command', [b('MDPC02'), Buffer.from([1, 0]), b('echo'), b('x')]],
    ['an empty service name', [b('MDPC02'), Buffer.from([1]), Buffer.alloc(0), b('x')]],
    ['a non-printable service name', [b('MDPC02'), Buffer.from([1]), Buffer.from([0x65, 0x00]), b('x')]],
    ['no body', [b('MDPC02'), Buffer.from([1]), b('echo')]],
  ])('refuses %s with MALFORMED_MESSAGE', (_label, frames) => {
    expect(() => parseClientV2(frames)).toThrow(expect.objectContaining({ code: 'MALFORMED_MESSAGE' }));
  });
});

describe('18/MDP v0.2 worker frames', () => {
  it('lays out READY (0x01), REQUEST (0x02), PARTIAL (0x03), FINAL (0x04), HEARTBEAT (0x05), DISCONNECT (0x06)', () => {
    expect(hex(encodeReadyV2('echo'))).toEqual([H_W, '01', ECHO]);
    expect(hex(encodeWorkerRequestV2(CLIENT, [b('q')]))).toEqual([H_W, '02', '006b8b4567', '', '71']);
    expect(hex(encodeWorkerPartialV2(CLIENT, [b('p')]))).toEqual([H_W, '03', '006b8b4567', '', '70']);
    expect(hex(encodeWorkerFinalV2(CLIENT, [b('f'), b('g')]))).toEqual([H_W, '04', '006b8b4567', '', '66', '67']);
    expect(hex(encodeHeartbeatV2())).toEqual([H_W, '05']);
    expect(hex(encodeDisconnectV2())).toEqual([H_W, '06']);
  });

  it('parses what it encodes', () => {
    expect(parseWorkerV2(encodeReadyV2('echo'))).toEqual({ type: 'ready', service: 'echo' });
    expect(parseWorkerV2(encodeWorkerRequestV2(CLIENT, [b('q')]))).toEqual({ type: 'request', client: CLIENT, body: [b('q')] });
    expect(parseWorkerV2(encodeWorkerPartialV2(CLIENT, [b('p')]))).toEqual({ type: 'partial', client: CLIENT, body: [b('p')] });
    expect(parseWorkerV2(encodeWorkerFinalV2(CLIENT, [b('f')]))).toEqual({ type: 'final', client: CLIENT, body: [b('f')] });
    expect(parseWorkerV2(encodeHeartbeatV2())).toEqual({ type: 'heartbeat' });
    expect(parseWorkerV2(encodeDisconnectV2())).toEqual({ type: 'disconnect' });
  });

  it.each([
    ['no frames', []],
    ['the client header', [b('MDPC02'), Buffer.from([5])]],
    ['an unknown command 0x07', [b('MDPW02'), Buffer.from([7])]],
    ['an empty command frame', [b('MDPW02'), Buffer.alloc(0)]],
    ['READY without a service', [b('MDPW02'), Buffer.from([1])]],
    ['READY with two services', [b('MDPW02'), Buffer.from([1]), b('a'), b('b')]],
    ['FINAL without the empty frame', [b('MDPW02'), Buffer.from([4]), CLIENT, b('x')]],
    ['FINAL with an empty client address', [b('MDPW02'), Buffer.from([4]), Buffer.alloc(0), Buffer.alloc(0), b('x')]],
    ['PARTIAL without a body', [b('MDPW02'), Buffer.from([3]), CLIENT, Buffer.alloc(0)]],
    ['HEARTBEAT with a payload', [b('MDPW02'), Buffer.from([5]), b('x')]],
    ['DISCONNECT with a payload', [b('MDPW02'), Buffer.from([6]), b('x')]],
  ])('refuses %s with MALFORMED_MESSAGE', (_label, frames) => {
    expect(() => parseWorkerV2(frames)).toThrow(expect.objectContaining({ code: 'MALFORMED_MESSAGE' }));
  });
});
