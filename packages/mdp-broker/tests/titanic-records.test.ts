import { NAMESPACE_PATTERN } from '@resolute/core';
import { describe, expect, it } from 'vitest';
import { packFrames, unpackFrames } from '../src/titanic/frames-record.js';
import { newTitanicId, parseStatus, statusFrame, titanicKey, TITANIC_ID_PATTERN, TSP_STATUS } from '../src/titanic/titanic-protocol.js';
import { TITANIC_NAMESPACES } from '../src/titanic/titanic-store.js';

describe('9/TSP ids, status frames and stored frames', () => {
  it('makes UUIDs of 32 hex digits (UUIDv7) that sort by creation time', () => {
    const ids = [newTitanicId(1_000), newTitanicId(2_000), newTitanicId(3_000_000_000_000)];
    for (const id of ids) {
      expect(id).toMatch(TITANIC_ID_PATTERN);
      expect(id[12]).toBe('7');
      expect(['8', '9', 'a', 'b']).toContain(id[16]);
    }
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(Array.from({ length: 1_000 }, () => newTitanicId())).size).toBe(1_000);
  });

  it('reads UUIDs from clients in either case and refuses anything else', () => {
    const id = newTitanicId();
    expect(titanicKey(Buffer.from(id.toUpperCase()))).toBe(id);
    expect(titanicKey(Buffer.from(id.slice(1)))).toBeUndefined();
    expect(titanicKey(Buffer.from(`${id.slice(1)}g`))).toBeUndefined();
    expect(titanicKey(undefined)).toBeUndefined();
  });

  it('writes and reads status frames: three digits, optionally a space and text', () => {
    expect(statusFrame(TSP_STATUS.ok).toString()).toBe('200');
    expect(statusFrame(TSP_STATUS.error, 'disk full').toString()).toBe('500 disk full');
    expect(parseStatus([Buffer.from('300')])).toBe('300');
    expect(parseStatus([Buffer.from('400 unknown')])).toBe('400');
    expect(parseStatus([Buffer.from('2000')])).toBeUndefined();
    expect(parseStatus([])).toBeUndefined();
  });

  it('keeps frames exactly through a store value, empty and binary ones included', () => {
    const frames = [Buffer.from('echo'), Buffer.alloc(0), Buffer.from([0, 255, 1]), Buffer.alloc(70_000, 9)];
    expect(unpackFrames(packFrames(frames), 'x')).toEqual(frames);
    expect(unpackFrames(packFrames([]), 'x')).toEqual([]);
  });

  it('reports a damaged value as STORE_CORRUPT', () => {
    const packed = packFrames([Buffer.from('abc')]);
    for (const bad of [packed.subarray(0, 2), packed.subarray(0, packed.length - 1), Buffer.concat([packed, Buffer.from([0])])]) {
      expect(() => unpackFrames(bad, 'titanic request 1')).toThrow(expect.objectContaining({ code: 'STORE_CORRUPT' }));
    }
  });

  it('uses namespace names a core Store accepts', () => {
    for (const namespace of Object.values(TITANIC_NAMESPACES)) expect(namespace).toMatch(NAMESPACE_PATTERN);
  });
});
