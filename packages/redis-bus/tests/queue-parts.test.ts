// The queue's server-free parts: push group commit, the iterator's bounded hand-over, in-flight bookkeeping and
// argument checks.
import { describe, expect, it } from 'vitest';
import { assertBusName, toBody } from '../src/queue/arguments.js';
import { InFlight } from '../src/queue/in-flight.js';
import { MessageBuffer } from '../src/queue/message-buffer.js';
import { PushBatcher } from '../src/queue/push-batcher.js';

describe('PushBatcher', () => {
  it('sends a burst as few ordered batches, one at a time, and gives each push its id', async () => {
    const batches: string[][] = [];
    let inFlight = 0;
    let next = 1;
    const batcher = new PushBatcher(async (bodies) => {
      expect(++inFlight).toBe(1);
      batches.push(bodies.map(String));
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      const first = next;
      next += bodies.length;
      return first;
    }, 100);
    const first = await Promise.all(Array.from({ length: 250 }, (_, i) => batcher.push(`m${i}`)));
    expect(first).toEqual(Array.from({ length: 250 }, (_, i) => String(i + 1)));
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(batches.flat()).toEqual(Array.from({ length: 250 }, (_, i) => `m${i}`));
    const later = [batcher.push('a')];
    later.push(batcher.push('b'));
    expect(await Promise.all(later)).toEqual(['251', '252']);
  });

  it('rejects every push of a failed batch and carries on with the next', async () => {
    let calls = 0;
    const batcher = new PushBatcher(async () => {
      calls++;
      if (calls === 1) throw new Error('connection lost');
      return 7;
    });
    const failed = [batcher.push('x'), batcher.push('y')];
    await expect(Promise.all(failed)).rejects.toThrow('connection lost');
    await expect(failed[1]).rejects.toThrow('connection lost');
    expect(await batcher.push('z')).toBe('7');
    await batcher.idle();
  });
});

describe('MessageBuffer', () => {
  it('holds the writer while `limit` items wait, and ends after the buffered ones are read', async () => {
    const buffer = new MessageBuffer<number>(2);
    let written = false;
    const writing = buffer.put([1, 2, 3]).then(() => (written = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(written).toBe(false);
    const iterator = buffer.iterator(async () => undefined);
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    expect(await iterator.next()).toEqual({ value: 2, done: false });
    await writing;
    buffer.end();
    expect(await iterator.next()).toEqual({ value: 3, done: false });
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('return() drops what is buffered and calls back', async () => {
    const buffer = new MessageBuffer<number>(10);
    await buffer.put([1, 2]);
    let returned = false;
    const iterator = buffer.iterator(async () => {
      returned = true;
    });
    await iterator.return!();
    expect(returned).toBe(true);
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });
});

describe('InFlight', () => {
  it('tracks leases, forgets settled and lapsed ones, and wakes waiters', async () => {
    const inflight = new InFlight();
    inflight.add('1', 10_000);
    inflight.add('2', 0);
    const changed = inflight.changed();
    inflight.expire(Date.now() + 1);
    await changed;
    expect(inflight.ids()).toEqual(['1']);
    inflight.settle('1');
    expect(inflight.size).toBe(0);
  });
});

describe('arguments', () => {
  it('accepts names and bodies, refuses the rest saying what to pass', () => {
    expect(() => assertBusName('orders.eu-1', 'queue name')).not.toThrow();
    for (const bad of ['', 'a b', 'x{y}', 'tab\t', 'nul\u0000', 'x'.repeat(201), 7]) {
      expect(() => assertBusName(bad, 'queue name')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('queue name must be') }));
    }
    expect(toBody('text', 'message')).toBe('text');
    expect(toBody(new Uint8Array([1, 2]), 'message')).toEqual(Buffer.from([1, 2]));
    expect(() => toBody({ a: 1 }, 'message')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('JSON.stringify') }));
  });
});
