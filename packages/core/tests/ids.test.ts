import { describe, expect, it } from 'vitest';
import { idFloor, idTime, isId, newId, observeId } from '../src/index.js';

describe('message ids', () => {
  it('are ULIDs that sort by creation time and strictly increase within a process', () => {
    const ids = Array.from({ length: 10_000 }, () => newId());
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    expect(ids.every(isId)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keep increasing when the clock steps back', () => {
    const later = newId(Date.now() + 60_000);
    const next = newId(Date.now());
    expect(next > later).toBe(true);
  });

  it('move past an id observed in the store', () => {
    const future = newId(Date.now() + 3_600_000);
    observeId(future);
    expect(newId() > future).toBe(true);
  });

  it('expose their time and a floor that sorts before every id of that time', () => {
    const now = Date.now() + 7_200_000;
    const id = newId(now);
    expect(idTime(id)).toBe(now);
    expect(idFloor(now) <= id).toBe(true);
    expect(idFloor(now + 1) > id).toBe(true);
  });
});
