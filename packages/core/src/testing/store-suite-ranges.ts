import { describe, expect, it } from 'vitest';
import { inRange, putOp, type StoreRange } from '../store.js';
import { bytes, collect, collectKeys, type StoreHarness } from './store-suite-harness.js';

/** ASCII keys, including ones that are prefixes of others and one with a NUL inside (as outbox keys have). */
const KEYS = [
  ...Array.from({ length: 20 }, (_, i) => `k${String(i).padStart(2, '0')}`),
  'a',
  'a\0b',
  'a0',
  'aa',
  'b',
  'k',
  'k05x',
  'z',
];

const RANGES: StoreRange[] = [
  {},
  { reverse: true },
  { gt: 'k05' },
  { gte: 'k05' },
  { lt: 'k05' },
  { lte: 'k05' },
  { gt: 'k05', lt: 'k10' },
  { gte: 'k05', lte: 'k10' },
  { gt: 'k05', lte: 'k10', reverse: true },
  { gte: 'k05', lt: 'k10', reverse: true },
  { gte: 'k05', limit: 3 },
  { gte: 'k05', limit: 3, reverse: true },
  { lt: 'k10', limit: 2, reverse: true },
  { gt: 'a', lt: 'b' },
  { gte: 'a', lte: 'a\0b' },
  { gt: 'k055' },
  { lt: 'k' },
  { gt: 'k10', lt: 'k05' },
  { gt: 'zz' },
  { lt: '' },
  { limit: 0 },
  { limit: 1000 },
  { limit: 1, reverse: true },
];

function expected(range: StoreRange): string[] {
  const keys = [...KEYS].sort().filter((key) => inRange(key, range));
  if (range.reverse) keys.reverse();
  return keys.slice(0, range.limit ?? Infinity);
}

/** entries(): order, bounds, limit, early stop. */
export function describeRangeCases(h: StoreHarness): void {
  const t = h.options.timeoutMs;

  describe('entries', () => {
    it('lists keys in ascending order (descending with reverse) within gt/gte/lt/lte bounds and limit', async () => {
      const store = h.store();
      // Written in a scrambled order, across several batches, beside a neighbouring namespace.
      const scrambled = KEYS.map((_, i) => KEYS[(i * 11) % KEYS.length] as string); // 11 is prime to 28: a permutation
      for (let i = 0; i < scrambled.length; i += 5) {
        await store.batch(scrambled.slice(i, i + 5).map((key) => putOp('outbox', key, bytes(`v:${key}`))));
      }
      await store.batch(KEYS.map((key) => putOp('outbox2', key, bytes('other'))));
      await store.batch(KEYS.map((key) => putOp('outbo', key, bytes('other'))));
      for (const range of RANGES) {
        const entries = await collect(store, 'outbox', range);
        expect(entries.map((entry) => entry.key), `entries(${JSON.stringify(range)})`).toEqual(expected(range));
        for (const entry of entries) expect(entry.value.toString()).toBe(`v:${entry.key}`);
      }
    }, t);

    it('yields nothing for an empty namespace', async () => {
      expect(await collectKeys(h.store(), 'dead')).toEqual([]);
      expect(await collectKeys(h.store(), 'dead', { reverse: true })).toEqual([]);
    }, t);

    it('sees every batch that resolved before the call', async () => {
      const store = h.store();
      for (let i = 0; i < 10; i++) {
        await store.batch([putOp('inbox', `k${i}`, bytes(String(i)))]);
        expect(await collectKeys(store, 'inbox')).toHaveLength(i + 1);
      }
    }, t);

    it('releases the iteration when the consumer stops early, leaving the store usable', async () => {
      const store = h.store();
      await store.batch(Array.from({ length: 100 }, (_, i) => putOp('inbox', `k${String(i).padStart(3, '0')}`, bytes('v'))));
      for (let round = 0; round < 20; round++) {
        for await (const entry of store.entries('inbox', { reverse: round % 2 === 1 })) {
          if (entry.key.length > 0) break;
        }
      }
      await store.batch([putOp('inbox', 'after', bytes('v'))]);
      expect(await store.count('inbox')).toBe(101);
      await store.close();
    }, t);
  });
}
