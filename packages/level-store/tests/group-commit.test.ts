import { putOp } from '@resolute/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type LevelStoreOptions, LevelStore } from '../src/index.js';
import { GroupCommit, type GroupSink } from '../src/group-commit.js';
import { tempDir } from './temp-dir.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openStore(options: Omit<LevelStoreOptions, 'path'> = {}): Promise<LevelStore> {
  const dir = await tempDir('group-commit');
  cleanups.push(dir.remove);
  const store = new LevelStore({ ...options, path: dir.path });
  cleanups.push(() => store.close());
  await store.open();
  return store;
}

function key(i: number): string {
  return `k${String(i).padStart(5, '0')}`;
}

describe('group commit', () => {
  it('commits 1000 concurrent single-operation batches with far fewer fsyncs, all data present', async () => {
    const store = await openStore();
    const before = store.stats();
    await Promise.all(Array.from({ length: 1000 }, (_, i) => store.batch([putOp('outbox', key(i), Buffer.from(`v${i}`))])));
    const after = store.stats();
    const batches = after.batches - before.batches;
    const fsyncs = after.fsyncs - before.fsyncs;
    expect(batches).toBe(1000);
    expect(after.operations - before.operations).toBe(1000);
    expect(fsyncs).toBeGreaterThan(0);
    expect(fsyncs).toBeLessThan(batches / 5);
    expect(await store.count('outbox')).toBe(1000);
    for (let i = 0; i < 1000; i += 97) expect((await store.get('outbox', key(i)))?.toString()).toBe(`v${i}`);
  });

  it('never splits one call across writes, even when the call is larger than maxOperations', async () => {
    const store = await openStore({ groupCommit: { maxOperations: 3 } });
    const calls = Array.from({ length: 50 }, (_, i) =>
      store.batch(Array.from({ length: 5 }, (_, j) => putOp('inbox', `${key(i)}-${j}`, Buffer.from([i, j])))),
    );
    await Promise.all(calls);
    // Each 5-operation call exceeds the limit of 3, so each is written alone and whole: one fsync per call.
    expect(store.stats()).toEqual({ fsyncs: 50, relaxedWrites: 0, operations: 250, batches: 50 });
    expect(await store.count('inbox')).toBe(250);
  });

  it('gathers whole calls up to maxOperations', async () => {
    const store = await openStore({ groupCommit: { maxOperations: 10 } });
    await Promise.all(Array.from({ length: 100 }, (_, i) => store.batch([putOp('inbox', key(i), Buffer.from('v'))])));
    const stats = store.stats();
    expect(stats.batches).toBe(100);
    expect(stats.fsyncs).toBeGreaterThanOrEqual(10);
    expect(await store.count('inbox')).toBe(100);
  });

  it('makes one fsync per call when disabled', async () => {
    const store = await openStore({ groupCommit: { enabled: false } });
    await Promise.all(Array.from({ length: 100 }, (_, i) => store.batch([putOp('inbox', key(i), Buffer.from('v'))])));
    expect(store.stats()).toEqual({ fsyncs: 100, relaxedWrites: 0, operations: 100, batches: 100 });
  });

  it('applies concurrent calls in the order they were made', async () => {
    const store = await openStore();
    await Promise.all(Array.from({ length: 300 }, (_, i) => store.batch([putOp('inbox', 'same', Buffer.from(String(i)))])));
    expect((await store.get('inbox', 'same'))?.toString()).toBe('299');
  });

  it('writes relaxed calls without fsync, and with the fsync of a sync call they share a group with', async () => {
    const store = await openStore();
    await store.batch([putOp('inbox', 'r1', Buffer.from('x'))], { durability: 'relaxed' });
    expect(store.stats()).toMatchObject({ fsyncs: 0, relaxedWrites: 1 });
    await Promise.all([
      store.batch([putOp('inbox', 's1', Buffer.from('x'))]),
      ...Array.from({ length: 50 }, (_, i) => store.batch([putOp('inbox', `r${i + 2}`, Buffer.from('x'))], { durability: 'relaxed' })),
    ]);
    const stats = store.stats();
    expect(stats.fsyncs + stats.relaxedWrites).toBeLessThan(52);
    expect(stats.fsyncs).toBeGreaterThanOrEqual(1);
    expect(await store.count('inbox')).toBe(52);
  });

  it('counts nothing for empty batches', async () => {
    const store = await openStore();
    await store.batch([]);
    expect(store.stats()).toEqual({ fsyncs: 0, relaxedWrites: 0, operations: 0, batches: 0 });
  });
});

describe('GroupCommit with a failing group', () => {
  /** A sink whose groups record what they wrote; adding 'bad' throws, as a native batch refusing an operation would. */
  function recordingSink(): { sink: GroupSink<string>; written: string[][]; discarded: number } {
    const state = { written: [] as string[][], discarded: 0 };
    const sink: GroupSink<string> = {
      open: () => {
        const ops: string[] = [];
        return {
          add: (op) => {
            if (op === 'bad') throw new Error('refused');
            ops.push(op);
          },
          write: async () => void state.written.push(ops),
          discard: async () => void state.discarded++,
        };
      },
    };
    return { sink, get written() { return state.written; }, get discarded() { return state.discarded; } };
  }

  it('rejects every call of a group an operation could not be added to, writes none of it, and goes on with later calls', async () => {
    const recorded = recordingSink();
    const commits = new GroupCommit(recorded.sink, { enabled: true, maxOperations: 100, maxBytes: 1_000_000 });
    const first = commits.submit(['a'], 1); // written alone at once: the next calls gather behind it
    const second = commits.submit(['b'], 1);
    const broken = commits.submit(['c', 'bad', 'd'], 3);
    const after = commits.submit(['e'], 1);
    await expect(first).resolves.toBeUndefined();
    await expect(second).rejects.toThrow('refused');
    await expect(broken).rejects.toThrow('refused');
    await expect(after).resolves.toBeUndefined();
    // 'b' shared the broken group, so it is not written; 'c' was added before 'bad' but is discarded with it.
    expect(recorded.written).toEqual([['a'], ['e']]);
    expect(recorded.discarded).toBe(1);
    expect(commits.stats()).toMatchObject({ batches: 2, operations: 2 });
  });
});
