import { describe, expect, it } from 'vitest';
import { idFloor, idTime, isId, MAX_OBSERVED_AHEAD_MS, newId, observeId } from '../src/index.js';

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
  it('carry into the digits before when the random part ends in Z, and move to the next millisecond when all are Z', () => {
    const time = Date.now() + 10_800_000;
    const floor = idFloor(time);
    observeId(floor.slice(0, 10) + '0'.repeat(13) + 'ZZZ');
    // The clock is behind the observed id, so the next ids count up from it: the carry rewrites the last four digits.
    expect(newId()).toBe(floor.slice(0, 10) + '0'.repeat(12) + '1000');
    expect(newId()).toBe(floor.slice(0, 10) + '0'.repeat(12) + '1001');
    observeId(floor.slice(0, 10) + 'Z'.repeat(16));
    const next = newId();
    expect(idTime(next)).toBe(time + 1);
    expect(isId(next)).toBe(true);
  });

  it('ignore an observed id dated further ahead than the limit, so a wrong clock elsewhere cannot pin or overflow them', () => {
    const now = Date.now();
    const tooFar = idFloor(now + MAX_OBSERVED_AHEAD_MS + 60_000).slice(0, 10) + 'Z'.repeat(16);
    expect(observeId(tooFar, now)).toBe(false);
    expect(newId() < tooFar).toBe(true);
    // The largest id isId accepts: following it, the next millisecond would wrap to the smallest time.
    expect(observeId('Z'.repeat(26), now)).toBe(false);
    const next = newId();
    expect(idTime(next)).toBeLessThan(now + MAX_OBSERVED_AHEAD_MS);
    expect(idTime(next)).toBeGreaterThanOrEqual(now); // not wrapped round to the smallest time
    expect(observeId(idFloor(now + MAX_OBSERVED_AHEAD_MS - 60_000), now)).toBe(true);
    expect(newId() > idFloor(now + MAX_OBSERVED_AHEAD_MS - 60_000)).toBe(true);
  });
});
