import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBusFromConfig, loadBusConfig, MemoryNetwork, ResoluteError } from '../src/index.js';
import { waitFor } from '../src/testing/index.js';

const base = { name: 'web', transport: { type: 'memory' }, store: { type: 'memory' } };

describe('createBusFromConfig', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'resolute-config-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('builds a working bus from a plain object', async () => {
    const bus = await createBusFromConfig(base);
    const got: string[] = [];
    await bus.subscribe('hello', (p: string) => void got.push(p));
    await bus.publish('hello', 'world');
    await waitFor(() => got.length === 1);
    await bus.close();
  });

  it('names every bad field in one INVALID_CONFIG error', async () => {
    const error = await loadBusConfig({ name: '', transport: {}, store: { type: 'memory' }, bus: { inbox: { maxAttempts: 0 } }, extra: 1 } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResoluteError);
    expect((error as ResoluteError).code).toBe('INVALID_CONFIG');
    const message = (error as ResoluteError).message;
    for (const field of ['name', 'transport.type', 'bus.inbox.maxAttempts', 'extra']) expect(message).toContain(field);
  });

  it('says which types exist for an unknown transport type', async () => {
    await expect(createBusFromConfig({ ...base, transport: { type: 'carrier-pigeon' } })).rejects.toMatchObject({
      code: 'UNKNOWN_BACKEND',
      message: expect.stringContaining('zmq-peer'),
    });
  });

  it('says which package to install for a backend that is not installed', async () => {
    const error = (await createBusFromConfig({ ...base, transport: { type: 'zmq-peer', package: '@resolute/not-installed-anywhere' } }).catch((e: unknown) => e)) as ResoluteError;
    expect(error.code).toBe('BACKEND_NOT_INSTALLED');
    expect(error.message).toContain('npm install @resolute/not-installed-anywhere');
  });

  it('rejects a package that provides no transport', async () => {
    await expect(createBusFromConfig({ ...base, transport: { type: 'x', package: 'zod' } })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });

  it('reads a JSON file and applies the profile chosen by RESOLUTE_PROFILE', async () => {
    const file = join(dir, 'resolute.config.json');
    await writeFile(file, JSON.stringify({ ...base, bus: { inbox: { maxAttempts: 2 } }, profiles: { broker: { name: 'web-broker', transport: { type: 'memory', routing: 'broker' }, bus: { requestTimeoutMs: 5 } } } }));
    const plain = await loadBusConfig(file, { env: {} });
    expect(plain.config.name).toBe('web');
    expect(plain.baseDir).toBe(dir);
    const chosen = await loadBusConfig(file, { env: { RESOLUTE_PROFILE: 'broker' } });
    expect(chosen.profile).toBe('broker');
    expect(chosen.config.name).toBe('web-broker');
    expect(chosen.config.transport).toEqual({ type: 'memory', routing: 'broker' });
    expect(chosen.config.bus).toEqual({ inbox: { maxAttempts: 2 }, requestTimeoutMs: 5 });
    const network = new MemoryNetwork({ routing: 'broker' });
    const bus = await createBusFromConfig(file, { env: { RESOLUTE_PROFILE: 'broker' }, memoryNetwork: network });
    expect(bus.capabilities.routing).toBe('broker');
    await bus.close();
  });

  it('refuses an unknown profile, listing the known ones', async () => {
    await expect(loadBusConfig({ ...base, profiles: { redis: {} } }, { profile: 'rabbit' })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining('known: redis'),
    });
  });

  it('reports a file that is missing or not JSON', async () => {
    await expect(loadBusConfig(join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('cannot read') });
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{ "name": ');
    await expect(loadBusConfig(bad)).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('not valid JSON') });
  });
});
