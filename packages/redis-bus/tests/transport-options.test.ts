import { ResoluteError } from '@resolute/core';
import { describe, expect, it } from 'vitest';
import { createTransportFromConfig, RedisTransport } from '../src/index.js';

const context = { name: 'x', logger: { debug() {}, info() {}, warn() {}, error() {} }, baseDir: '.' };

function invalid(make: () => unknown): ResoluteError {
  try {
    make();
  } catch (error) {
    return error as ResoluteError;
  }
  throw new Error('expected INVALID_CONFIG');
}

describe('redis-bus transport options', () => {
  it('applies the documented defaults and declares its capabilities', () => {
    const t = new RedisTransport();
    expect(t.settings).toMatchObject({ maxBatch: 256, blockMs: 1_000, leaseMs: 30_000, reclaimIntervalMs: 15_000, trimIntervalMs: 5_000, sendTimeoutMs: 5_000, consumerExpiryMs: 3_600_000, refusalDelayMs: 100, closeTimeoutMs: 2_000, stallTimeoutMs: 15_000 });
    expect(t.settings.consumer).toMatch(new RegExp(`-${process.pid}-[0-9a-f]{8}$`));
    expect(new RedisTransport().settings.consumer).not.toBe(t.settings.consumer);
    expect(t.capabilities).toEqual({ routing: 'broker', durable: true, ordered: true, requestReply: true, maxBatch: 256 });
    expect(t.type).toBe('redis-bus');
  });

  it.each([
    [{ url: 'http://localhost' }, 'url'],
    [{ maxBatch: 0 }, 'maxBatch'],
    [{ maxBatch: 20_000 }, 'maxBatch'],
    [{ leaseMs: 50 }, 'leaseMs'],
    [{ stallTimeoutMs: 500 }, 'stallTimeoutMs'],
    [{ blockMs: 1.5 }, 'blockMs'],
    [{ reclaimIntervalMs: -1 }, 'reclaimIntervalMs'],
    [{ consumer: 'has space' }, 'consumer'],
    [{ sendTimeoutMs: '5s' }, 'sendTimeoutMs'],
    [{ prefix: 'a b' }, 'prefix'],
    [{ bogus: 1 }, 'bogus'],
  ])('refuses %j naming %s', (options, field) => {
    const error = invalid(() => new RedisTransport(options as never));
    expect(error).toBeInstanceOf(ResoluteError);
    expect([error.code, error.retryable]).toEqual(['INVALID_CONFIG', false]);
    expect(error.message).toContain(field);
  });

  it('refuses two kinds of deployment at once, and connection fields beside a connection passed in', () => {
    expect(invalid(() => new RedisTransport({ url: 'redis://a', shards: ['redis://b'] })).message).toMatch(/only one of/);
    const error = invalid(() => new RedisTransport({ connection: {} as never, url: 'redis://a', prefix: 'p' }));
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.details).toEqual({ fields: ['url', 'prefix'] });
  });

  it('takes a lease-derived reclaim interval and an explicit consumer name', () => {
    expect(new RedisTransport({ leaseMs: 4_000 }).settings.reclaimIntervalMs).toBe(2_000);
    expect(new RedisTransport({ consumer: 'pod-7' }).settings.consumer).toBe('pod-7');
  });

  it('builds from a config section, refusing unknown fields by name', () => {
    const t = createTransportFromConfig({ type: 'redis-bus', url: 'redis://h:6380', maxBatch: 64, leaseMs: 10_000 }, context);
    expect(t).toBeInstanceOf(RedisTransport);
    expect(t.settings).toMatchObject({ maxBatch: 64, leaseMs: 10_000 });
    expect(invalid(() => createTransportFromConfig({ type: 'redis-bus', urll: 'redis://h' }, context)).message).toContain('urll');
  });

  it('has no address before start and fails sends without throwing', async () => {
    const t = new RedisTransport();
    expect(() => t.address).toThrow(/start/);
    expect(await t.send([])).toEqual([]);
    await expect(t.subscribe('a.b')).rejects.toMatchObject({ code: 'NOT_STARTED' });
    await t.close();
    await t.close();
  });
});
