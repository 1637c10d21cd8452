import { describe, expect, it } from 'vitest';
import { delOp, putOp } from '../store.js';
import { bytes, dump, expectStoreError, titled, type StoreHarness } from './store-suite-harness.js';

/** Close, reopen over the same data, the lock between instances. */
export function describeLifecycleCases(h: StoreHarness): void {
  const t = h.options.timeoutMs;
  const { cannotReopen, noLock } = h.options;

  describe('close', () => {
    it('rejects batches after close with STORE_CLOSED', async () => {
      const store = h.store();
      await store.close();
      await expectStoreError(() => store.batch([putOp('inbox', 'k', bytes('v'))]), 'STORE_CLOSED');
    }, t);

    it('is safe to call twice, and concurrently', async () => {
      const store = h.store();
      await Promise.all([store.close(), store.close()]);
      await store.close();
    }, t);

    it('can close an instance that was never opened', async () => {
      await h.another().close();
    }, t);

    it('waits for batches already accepted: each of them resolves', async () => {
      const store = h.store();
      const calls = Array.from({ length: 100 }, (_, i) => store.batch([putOp('outbox', `k${i}`, bytes(String(i)))]));
      const closed = store.close();
      const results = await Promise.allSettled(calls);
      await closed;
      expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
      if (cannotReopen !== undefined) return;
      const reopened = h.another();
      await reopened.open();
      expect(await reopened.count('outbox')).toBe(100);
    }, t);
  });

  describe('reopen', () => {
    it.skipIf(cannotReopen !== undefined)(
      titled('a new instance over the same data sees everything that resolved before close', cannotReopen),
      async () => {
        const store = h.store();
        const large = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 31) % 256);
        for (let i = 0; i < 50; i++) {
          await store.batch([
            putOp('outbox', `dest\0m${String(i).padStart(3, '0')}`, bytes(`payload ${i}`)),
            putOp('dedupe', `m${i}`, new Uint8Array([i])),
          ]);
        }
        await store.batch([putOp('inbox', 'large', large), putOp('inbox', '🔑', bytes('unicode'))]);
        await store.batch(Array.from({ length: 25 }, (_, i) => delOp('dedupe', `m${i * 2}`)));
        const before = await dump(store);
        await store.close();

        const reopened = h.another();
        await reopened.open();
        expect(await dump(reopened)).toEqual(before);
        expect(await reopened.count('dedupe')).toBe(25);
        expect(Buffer.compare((await reopened.get('inbox', 'large')) ?? Buffer.alloc(0), large)).toBe(0);
        await reopened.batch([putOp('inbox', 'after-reopen', bytes('ok'))]);
        expect((await reopened.get('inbox', 'after-reopen'))?.toString()).toBe('ok');
      },
      t,
    );
  });

  describe('lock', () => {
    const skip = cannotReopen ?? noLock;
    it.skipIf(skip !== undefined)(
      titled('a second instance cannot open while the first is open (STORE_LOCKED), and can once it closed', skip),
      async () => {
        const first = h.store();
        await first.batch([putOp('inbox', 'k', bytes('from first'))]);
        const second = h.another();
        await expectStoreError(() => second.open(), 'STORE_LOCKED');
        // The refused open left the first instance working.
        await first.batch([putOp('inbox', 'k2', bytes('still first'))]);
        expect((await first.get('inbox', 'k2'))?.toString()).toBe('still first');
        await first.close();

        await second.open();
        expect((await second.get('inbox', 'k'))?.toString()).toBe('from first');
        expect((await second.get('inbox', 'k2'))?.toString()).toBe('still first');
        const third = h.another();
        await expectStoreError(() => third.open(), 'STORE_LOCKED');
        await second.close();
        await third.open();
        expect(await third.count('inbox')).toBe(2);
      },
      t,
    );
  });
}
