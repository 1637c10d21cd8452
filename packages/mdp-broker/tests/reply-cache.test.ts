import { describe, expect, it } from 'vitest';
import { ReplyCache } from '../src/client/reply-cache.js';

const frames = (...parts: string[]): Buffer[] => parts.map((part) => Buffer.from(part));

describe('ReplyCache', () => {
  it('keeps a reply for ttlMs, then forgets it', () => {
    let now = 1_000;
    const cache = new ReplyCache(100, 10, () => now);
    const key = ReplyCache.key('svc', frames('q'));
    cache.set(key, frames('a'));
    now += 99;
    expect(cache.get(key)).toEqual(frames('a'));
    now += 1;
    expect(cache.get(key)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('drops the least recently used reply past maxEntries (a hit counts as a use)', () => {
    const cache = new ReplyCache(10_000, 2);
    const [a, b, c] = ['a', 'b', 'c'].map((name) => ReplyCache.key('svc', frames(name))) as [string, string, string];
    cache.set(a, frames('A'));
    cache.set(b, frames('B'));
    expect(cache.get(a)).toEqual(frames('A'));
    cache.set(c, frames('C'));
    expect(cache.size).toBe(2);
    expect(cache.get(b)).toBeUndefined();
    expect(cache.get(a)).toEqual(frames('A'));
    expect(cache.get(c)).toEqual(frames('C'));
  });

  it('keys on the service and the exact frames: ["ab", "c"] is not ["a", "bc"], nor the same body to another service', () => {
    const keys = new Set([
      ReplyCache.key('svc', frames('ab', 'c')),
      ReplyCache.key('svc', frames('a', 'bc')),
      ReplyCache.key('svc', frames('abc')),
      ReplyCache.key('other', frames('ab', 'c')),
      ReplyCache.key('svca', frames('b', 'c')),
      ReplyCache.key('svc', [Buffer.alloc(0)]),
      ReplyCache.key('svc', [Buffer.alloc(0), Buffer.alloc(0)]),
    ]);
    expect(keys.size).toBe(7);
    expect(ReplyCache.key('svc', frames('ab', 'c'))).toBe(ReplyCache.key('svc', frames('ab', 'c')));
  });

  it('copies bodies in and out, so a caller changing a returned Buffer does not change the cached reply', () => {
    const cache = new ReplyCache(10_000, 10);
    const key = ReplyCache.key('svc', frames('q'));
    const stored = frames('value');
    cache.set(key, stored);
    (stored[0] as Buffer).write('XXXXX');
    const first = cache.get(key) as Buffer[];
    (first[0] as Buffer).write('YYYYY');
    expect(cache.get(key)).toEqual(frames('value'));
  });
});
