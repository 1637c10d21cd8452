import { delOp, putOp, ResoluteError } from '@resolute/core';
import { describe, expect, it } from 'vitest';
import { encodeBatch } from '../src/store/batch-script.js';
import { BatchQueue, mergeBatches } from '../src/store/batch-queue.js';
import type { EncodedBatch } from '../src/store/batch-script.js';

/** Replays a flattened batch on a Map per namespace, as the Lua script does. */
function replay(batch: EncodedBatch, data = new Map<string, Map<string, string>>()): Map<string, Map<string, string>> {
  const ops = batch.operations;
  for (let a = 0; a < ops.length; ) {
    const namespace = batch.namespaces[Number(ops[a + 1]) - 1]!;
    const space = data.get(namespace) ?? new Map<string, string>();
    data.set(namespace, space);
    if (ops[a] === 'p') {
      space.set(String(ops[a + 2]), String(ops[a + 3]));
      a += 4;
    } else {
      space.delete(String(ops[a + 2]));
      a += 3;
    }
  }
  return data;
}

const put = (ns: string, key: string, value: string) => putOp(ns, key, Buffer.from(value));

describe('RedisStore group commit', () => {
  it('merges batches into one that does the same, in order, across namespaces numbered differently', () => {
    const batches = [
      encodeBatch([put('outbox', 'a', '1'), put('inbox', 'x', '1')]),
      encodeBatch([put('inbox', 'y', '2'), delOp('outbox', 'a'), put('dedupe', 'x', 't')]),
      encodeBatch([put('outbox', 'a', '3'), delOp('inbox', 'x')]),
    ];
    const merged = mergeBatches(batches);
    expect(merged.size).toBe(7);
    expect(merged.namespaces).toEqual(['outbox', 'inbox', 'dedupe']);
    const oneByOne = new Map<string, Map<string, string>>();
    for (const b of batches) replay(b, oneByOne);
    expect(replay(merged)).toEqual(oneByOne);
  });

  it('keeps one call in flight and sends what waited meanwhile as the next call, in order', async () => {
    const calls: { sizes: number; relaxed: boolean }[] = [];
    let release: () => void = () => undefined;
    const queue = new BatchQueue(async (batch, relaxed) => {
      calls.push({ sizes: batch.size, relaxed });
      if (calls.length === 1) await new Promise<void>((r) => (release = r));
    });
    const first = queue.submit(encodeBatch([put('a', 'k', 'v')]), false);
    const rest = [queue.submit(encodeBatch([put('a', 'k2', 'v')]), true), queue.submit(encodeBatch([put('a', 'k3', 'v'), put('b', 'k', 'v')]), false)];
    release();
    await Promise.all([first, ...rest]);
    expect(calls).toEqual([
      { sizes: 1, relaxed: false },
      { sizes: 3, relaxed: false },
    ]);
  });

  it('isolates a batch the server refuses for its own content; a connection failure fails every waiting batch', async () => {
    let gate: () => void = () => undefined;
    let calls = 0;
    const queue = new BatchQueue(async (batch) => {
      calls++;
      if (calls === 1) return new Promise<void>((r) => (gate = r));
      if (batch.operations.some((part) => String(part) === 'bad')) throw new ResoluteError('STORE_CORRUPT', 'wrong type');
    });
    const blocker = queue.submit(encodeBatch([put('a', 'k', 'v')]), false);
    const good = queue.submit(encodeBatch([put('a', 'k', 'v')]), false);
    const bad = queue.submit(encodeBatch([put('a', 'bad', 'v')]), false);
    gate();
    await blocker;
    await expect(good).resolves.toBeUndefined();
    await expect(bad).rejects.toMatchObject({ code: 'STORE_CORRUPT' });

    const failing = new BatchQueue(async () => {
      throw new ResoluteError('CONNECTION_LOST', 'gone');
    });
    const results = await Promise.allSettled([failing.submit(encodeBatch([put('a', 'k', 'v')]), false), failing.submit(encodeBatch([put('a', 'j', 'v')]), false)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
