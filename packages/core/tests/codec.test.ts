import { describe, expect, it } from 'vitest';
import { createEnvelope, jsonCodec, ResoluteError } from '../src/index.js';

const envelope = (payload: unknown) => createEnvelope({ kind: 'event', topic: 't', payload, source: 'test', headers: { a: 'b' } });

describe('jsonCodec', () => {
  it.each([
    ['a string', 'héllo ✓ 🚀'],
    ['null', null],
    ['undefined', undefined],
    ['a number', -1.5],
    ['a top-level buffer', Buffer.from([0, 1, 2, 255])],
    ['nested buffers', { a: [Buffer.from('xyz'), { b: Buffer.alloc(0) }] }],
    ['objects that look like our tags', { $bin: 'not base64 really' }],
    ['an escape tag', { $esc: { $bin: 'x' } }],
  ])('round-trips %s', (_label, payload) => {
    const original = envelope(payload);
    const decoded = jsonCodec.decode(jsonCodec.encode(original));
    expect(decoded).toEqual(original);
  });

  it('carries a top-level binary payload without base64', () => {
    const payload = Buffer.alloc(10_000, 1);
    expect(jsonCodec.encode(envelope(payload)).length).toBeLessThan(10_000 + 1000);
  });

  it.each([
    ['empty bytes', Buffer.alloc(0)],
    ['another version', Buffer.from([9, 0, 0, 0, 0, 0])],
    ['a header past the end', Buffer.from([1, 0, 0, 0, 0, 50, 123])],
    ['a header that is not JSON', Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 3]), Buffer.from('{{{')])],
    ['a header without an id', Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 2]), Buffer.from('{}')])],
  ])('throws CODEC_ERROR on %s', (_label, bytes) => {
    expect(() => jsonCodec.decode(bytes)).toThrow(ResoluteError);
    try {
      jsonCodec.decode(bytes);
    } catch (error) {
      expect((error as ResoluteError).code).toBe('CODEC_ERROR');
    }
  });

  it('decodes the header alone without reading the payload, and refuses a header it did not make', () => {
    const original = envelope({ big: 'x'.repeat(5000) });
    const bytes = jsonCodec.encode(original);
    expect(jsonCodec.decodeHeader!(bytes)).toEqual({ ...original, payload: undefined });
    // A payload torn after the header: decode refuses it, decodeHeader does not look at it.
    const torn = bytes.subarray(0, bytes.length - 10);
    expect(() => jsonCodec.decode(torn)).toThrow(/payload is not JSON/);
    expect(jsonCodec.decodeHeader!(torn).id).toBe(original.id);
    expect(() => jsonCodec.decodeHeader!(Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 2]), Buffer.from('{}')]))).toThrow(/id is not a ULID/);
  });

  it('gives every envelope a W3C traceparent and keeps the trace id of a parent', () => {
    const parent = envelope(1).headers.traceparent!;
    expect(parent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const child = createEnvelope({ kind: 'event', topic: 't', payload: 1, source: 's', headers: { traceparent: parent } });
    expect(child.headers.traceparent!.slice(3, 35)).toBe(parent.slice(3, 35));
    expect(child.headers.traceparent).not.toBe(parent);
  });
});
