import { silentLogger } from '@resolute/core';
import { describe, expect, it } from 'vitest';
import { type LevelStoreOptions, LevelStore } from '../src/index.js';
import { expectCode } from './expect-code.js';

describe('LevelStore options', () => {
  it.each([
    ['path', { path: '' }],
    ['path', { path: 42 }],
    ['path', {}],
    ['groupCommit', { path: '/tmp/x', groupCommit: 'yes' }],
    ['groupCommit.enabled', { path: '/tmp/x', groupCommit: { enabled: 'yes' } }],
    ['groupCommit.maxOperations', { path: '/tmp/x', groupCommit: { maxOperations: 0 } }],
    ['groupCommit.maxOperations', { path: '/tmp/x', groupCommit: { maxOperations: 1.5 } }],
    ['groupCommit.maxBytes', { path: '/tmp/x', groupCommit: { maxBytes: -1 } }],
    ['staleLock', { path: '/tmp/x', staleLock: 'steal' }],
    ['logger', { path: '/tmp/x', logger: {} }],
  ])('rejects a bad %s at construction with INVALID_CONFIG naming it', async (field, options) => {
    const error = await expectCode(() => new LevelStore(options as unknown as LevelStoreOptions), 'INVALID_CONFIG');
    expect(error.message).toContain(`option ${field} `);
    expect(error.details).toEqual({ field });
  });

  it('accepts the documented options and makes the path absolute', () => {
    const store = new LevelStore({
      path: 'relative/dir',
      groupCommit: { enabled: true, maxOperations: 100, maxBytes: 1024 },
      staleLock: 'refuse',
      logger: silentLogger,
    });
    expect(store.path).toBe(`${process.cwd()}/relative/dir`);
    expect(store.kind).toBe('level');
    expect(store.durable).toBe(true);
  });
});
