import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { delOp, putOp, type StoreOperation } from '../store.js';
import { bytes, collect, collectKeys, expectStoreError, sameBytes, type StoreHarness } from './store-suite-harness.js';

/** Reads, writes, batches, values, keys, namespaces: what a single open store must do. */
export function describeDataCases(h: StoreHarness): void {
  const t = h.options.timeoutMs;

  describe('put, get, del', () => {
    it('gets undefined for a missing key and the value after a put', async () => {
      const store = h.store();
      expect(await store.get('inbox', 'k1')).toBeUndefined();
      await store.batch([putOp('inbox', 'k1', bytes('one'))]);
      const value = await store.get('inbox', 'k1');
      expect(Buffer.isBuffer(value)).toBe(true);
      expect(value?.toString()).toBe('one');
    }, t);

    it('overwrites, deletes, and deleting a missing key is harmless', async () => {
      const store = h.store();
      await store.batch([putOp('inbox', 'k1', bytes('one'))]);
      await store.batch([putOp('inbox', 'k1', bytes('two'))]);
      expect((await store.get('inbox', 'k1'))?.toString()).toBe('two');
      await store.batch([delOp('inbox', 'k1'), delOp('inbox', 'never-written')]);
      expect(await store.get('inbox', 'k1')).toBeUndefined();
      expect(await store.count('inbox')).toBe(0);
    }, t);

    it('reads several keys at once with getMany, in order, undefined where missing (when the store has it)', async (ctx) => {
      const store = h.store();
      if (store.getMany === undefined) return ctx.skip('the store has no getMany: the pipeline falls back to get');
      await store.batch([putOp('inbox', 'a', bytes('A')), putOp('inbox', 'c', bytes('C')), putOp('dedupe', 'b', bytes('other namespace'))]);
      const values = await store.getMany('inbox', ['c', 'b', 'a', 'c']);
      expect(values.map((v) => v?.toString())).toEqual(['C', undefined, 'A', 'C']);
      expect(await store.getMany('inbox', [])).toEqual([]);
    }, t);

    it('writes relaxed batches readable at once, in order with sync ones', async () => {
      const store = h.store();
      await Promise.all([
        store.batch([putOp('inbox', 'k', bytes('1'))], { durability: 'relaxed' }),
        store.batch([putOp('inbox', 'k', bytes('2'))]),
        store.batch([putOp('inbox', 'k', bytes('3'))], { durability: 'relaxed' }),
      ]);
      expect((await store.get('inbox', 'k'))?.toString()).toBe('3');
    }, t);

    it('opening an open store is a no-op and an empty batch resolves', async () => {
      const store = h.store();
      await store.batch([putOp('inbox', 'k', bytes('v'))]);
      await store.open();
      await store.batch([]);
      expect((await store.get('inbox', 'k'))?.toString()).toBe('v');
    }, t);

    it('copies values in and out: later mutation of either buffer changes nothing stored', async () => {
      const store = h.store();
      const input = bytes('original');
      await store.batch([putOp('inbox', 'k', input)]);
      input.fill(0);
      const output = await store.get('inbox', 'k');
      output?.fill(0);
      expect((await store.get('inbox', 'k'))?.toString()).toBe('original');
    }, t);

    it('takes each value when batch() is called: a buffer overwritten before the batch resolves is stored as it was', async () => {
      const store = h.store();
      // Many calls at once, so that later ones wait behind an earlier write (a group commit gathers them then).
      const inputs = Array.from({ length: 50 }, (_, i) => bytes(`value-${i}`));
      const calls = inputs.map((input, i) => store.batch([putOp('inbox', `k${i}`, input)]));
      for (const input of inputs) input.fill(0x21);
      await Promise.all(calls);
      const stored = await Promise.all(inputs.map((_, i) => store.get('inbox', `k${i}`)));
      expect(stored.map((value) => value?.toString())).toEqual(inputs.map((_, i) => `value-${i}`));
    }, t);
  });

  describe('batch', () => {
    it('applies operations in order within one batch', async () => {
      const store = h.store();
      await store.batch([
        putOp('inbox', 'a', bytes('1')),
        delOp('inbox', 'a'),
        putOp('inbox', 'b', bytes('1')),
        putOp('inbox', 'b', bytes('2')),
        putOp('dead', 'c', bytes('3')),
      ]);
      expect(await store.get('inbox', 'a')).toBeUndefined();
      expect((await store.get('inbox', 'b'))?.toString()).toBe('2');
      expect((await store.get('dead', 'c'))?.toString()).toBe('3');
    }, t);

    it.each([['empty', ''], ['space', 'in box'], ['slash', 'in/box'], ['nul', 'in\0box'], ['too long', 'n'.repeat(65)]])(
      'is atomic: a batch with an invalid namespace (%s) rejects with INVALID_ARGUMENT and applies nothing',
      async (_label, badNamespace) => {
        const store = h.store();
        await store.batch([putOp('inbox', 'kept', bytes('before'))]);
        const operations: StoreOperation[] = [
          putOp('inbox', 'new', bytes('x')),
          putOp('inbox', 'kept', bytes('after')),
          delOp('inbox', 'kept'),
          putOp(badNamespace, 'k', bytes('x')),
          putOp('outbox', 'late', bytes('x')),
        ];
        await expectStoreError(() => store.batch(operations), 'INVALID_ARGUMENT');
        expect(await store.get('inbox', 'new')).toBeUndefined();
        expect((await store.get('inbox', 'kept'))?.toString()).toBe('before');
        expect(await store.get('outbox', 'late')).toBeUndefined();
        expect(await collectKeys(store, 'inbox')).toEqual(['kept']);
        // The store is still usable after a rejected batch.
        await store.batch([putOp('inbox', 'after', bytes('ok'))]);
        expect((await store.get('inbox', 'after'))?.toString()).toBe('ok');
      },
      t,
    );

    it('resolves every one of many concurrent batches, and all their data is there', async () => {
      const store = h.store();
      const n = h.options.concurrentBatches;
      const calls = Array.from({ length: n }, (_, i) =>
        store.batch([putOp('outbox', `k${String(i).padStart(5, '0')}`, bytes(`v${i}`)), putOp('dedupe', `d${i}`, bytes('1'))]),
      );
      const results = await Promise.allSettled(calls);
      expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
      expect(await store.count('outbox')).toBe(n);
      expect(await store.count('dedupe')).toBe(n);
      const entries = await collect(store, 'outbox');
      expect(entries.map((entry) => entry.value.toString())).toEqual(Array.from({ length: n }, (_, i) => `v${i}`));
    }, t);
  });

  describe('values', () => {
    it('round-trips all 256 byte values, an empty value, a 1 MB value and a view into a larger buffer', async () => {
      const store = h.store();
      const every = Uint8Array.from({ length: 256 }, (_, i) => i);
      const large = randomBytes(1 << 20);
      const backing = Uint8Array.from({ length: 64 }, (_, i) => 255 - i);
      const view = backing.subarray(10, 20);
      await store.batch([
        putOp('inbox', 'every', every),
        putOp('inbox', 'empty', new Uint8Array(0)),
        putOp('inbox', 'large', large),
        putOp('inbox', 'view', view),
      ]);
      expect(sameBytes(await store.get('inbox', 'every'), every), 'all 256 byte values').toBe(true);
      expect(sameBytes(await store.get('inbox', 'empty'), new Uint8Array(0)), 'empty value').toBe(true);
      expect(sameBytes(await store.get('inbox', 'large'), large), '1 MB value').toBe(true);
      expect(sameBytes(await store.get('inbox', 'view'), view), 'view into a larger buffer').toBe(true);
      const byKey = new Map((await collect(store, 'inbox')).map((entry) => [entry.key, entry.value]));
      expect(sameBytes(byKey.get('every'), every), 'all 256 byte values from entries()').toBe(true);
      expect(sameBytes(byKey.get('large'), large), '1 MB value from entries()').toBe(true);
      expect(sameBytes(byKey.get('empty'), new Uint8Array(0)), 'empty value from entries()').toBe(true);
    }, t);
  });

  describe('keys', () => {
    it('stores unicode keys and keys with NUL, tab and U+FFFF exactly, each distinct', async () => {
      const store = h.store();
      const keys = ['ключ', '键', '🔑', 'e\u0301', '\u00e9', 'ü-mixed', 'a\0b', 'tab\tkey', '\uFFFF', ' '];
      await store.batch(keys.map((key, i) => putOp('inbox', key, bytes(String(i)))));
      for (const [i, key] of keys.entries()) expect((await store.get('inbox', key))?.toString()).toBe(String(i));
      expect(new Set(await collectKeys(store, 'inbox'))).toEqual(new Set(keys));
      expect(await store.count('inbox')).toBe(keys.length);
    }, t);
  });

  describe('namespaces', () => {
    const layout: Record<string, string[]> = {
      a: ['bx', 'x', 'a\0b'],
      ab: ['x', 'b'],
      b: ['x'],
      'a-': ['x'],
      'a.': ['y'],
      A: ['x'],
    };

    it('keeps namespaces apart, including names that are prefixes of others', async () => {
      const store = h.store();
      const ops = Object.entries(layout).flatMap(([ns, keys]) => keys.map((key) => putOp(ns, key, bytes(`${ns}:${key}`))));
      await store.batch(ops);
      for (const [ns, keys] of Object.entries(layout)) {
        const sorted = [...keys].sort();
        expect(await collectKeys(store, ns), `entries of ${ns}`).toEqual(sorted);
        expect(await collectKeys(store, ns, { reverse: true }), `reverse entries of ${ns}`).toEqual([...sorted].reverse());
        expect(await collectKeys(store, ns, { reverse: true, limit: 1 })).toEqual([sorted.at(-1)]);
        expect(await collectKeys(store, ns, { gte: '', lte: '\uFFFF\uFFFF' })).toEqual(sorted);
        expect(await store.count(ns), `count of ${ns}`).toBe(keys.length);
        for (const entry of await collect(store, ns)) expect(entry.value.toString()).toBe(`${ns}:${entry.key}`);
      }
      // 'a' + 'bx' must not be found as 'ab' + 'x', nor the other way round.
      expect(await store.get('ab', 'bx')).toBeUndefined();
      expect((await store.get('ab', 'x'))?.toString()).toBe('ab:x');
      expect(await store.get('a', 'b')).toBeUndefined();
      await store.batch([delOp('a', 'x')]);
      expect((await store.get('ab', 'x'))?.toString()).toBe('ab:x');
      expect((await store.get('b', 'x'))?.toString()).toBe('b:x');
    }, t);

    it('counts and lists namespaces that hold keys, and drops one when its last key goes', async () => {
      const store = h.store();
      const baseline = await store.namespaces(); // a store may keep bookkeeping (its 'meta' namespace) from the start
      expect(await store.count('outbox')).toBe(0);
      await store.batch([putOp('outbox', 'k1', bytes('1')), putOp('outbox', 'k2', bytes('2')), putOp('dead', 'k', bytes('3'))]);
      expect(await store.count('outbox')).toBe(2);
      expect(await store.count('dead')).toBe(1);
      expect((await store.namespaces()).sort()).toEqual([...new Set([...baseline, 'dead', 'outbox'])].sort());
      await store.batch([delOp('dead', 'k')]);
      expect(await store.count('dead')).toBe(0);
      expect((await store.namespaces()).sort()).toEqual([...new Set([...baseline, 'outbox'])].sort());
    }, t);
  });
}
