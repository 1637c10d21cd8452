import { delOp, putOp, ResoluteError } from '@resolute/core';
import { describe, expect, it } from 'vitest';
import { BatchQueue } from '../src/store/batch-queue.js';
import { type EncodedBatch, encodeBatch, mergeBatches, RECORDS_BYTES } from '../src/store/batch-records.js';

/** Replays a batch's records on a Map per namespace, as store-batch-n.lua reads them. */
function replay(batch: EncodedBatch, data = new Map<string, Map<string, string>>()): Map<string, Map<string, string>> {
  expect(new Set(batch.namespaces).size).toBe(batch.namespaces.length);
  let count = 0;
  batch.namespaces.forEach((namespace, i) => {
    const space = data.get(namespace) ?? new Map<string, string>();
    data.set(namespace, space);
    for (const records of batch.records[i]!) {
      for (let at = 0; at < records.length; count++) {
        const kind = String.fromCharCode(records[at]!);
        const keyLength = records.readUInt32LE(at + 1);
        const key = records.toString('utf8', at + 5, at + 5 + keyLength);
        at += 5 + keyLength;
        if (kind === 'p') {
          const valueLength = records.readUInt32LE(at);
          space.set(key, records.toString('utf8', at + 4, at + 4 + valueLength));
          at += 4 + valueLength;
        } else {
          expect(kind).toBe('d');
          space.delete(key);
        }
      }
    }
  });
  expect(count).toBe(batch.size);
  return data;
}

const put = (ns: string, key: string, value: string) => putOp(ns, key, Buffer.from(value));

describe('RedisStore group commit', () => {
  it('merges batches into one that does the same, in order, across namespaces first used in different orders', () => {
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

  it('splits the records of a batch of large values into arguments of at most RECORDS_BYTES, whole records each', () => {
    const big = Buffer.alloc(RECORDS_BYTES / 2 + 1, 'x');
    const batch = encodeBatch([put('inbox', 'a', 'small'), putOp('inbox', 'b', big), putOp('inbox', 'c', big), delOp('inbox', 'a'), put('outbox', '', '')]);
    expect(batch.namespaces).toEqual(['inbox', 'outbox']);
    expect(batch.records[0]!.length).toBe(2);
    for (const part of batch.records.flat()) expect(part.length).toBeLessThanOrEqual(RECORDS_BYTES);
    const data = replay(batch);
    expect([...data.get('inbox')!.keys()]).toEqual(['b', 'c']);
    expect(data.get('inbox')!.get('c')).toBe(big.toString());
    expect(data.get('outbox')!.get('')).toBe('');
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
      if (batch.records.flat().some((part) => part.includes('bad'))) throw new ResoluteError('STORE_CORRUPT', 'wrong type');
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
