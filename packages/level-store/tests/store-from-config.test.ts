import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBusFromConfig } from '@resolute/core';
import { waitFor } from '@resolute/core/testing';
import { afterEach, expect, it } from 'vitest';
import { createStoreFromConfig } from '../src/index.js';
import { tempDir } from './temp-dir.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('is what createBusFromConfig loads for store.type "level", with paths relative to the config file', async () => {
  const dir = await tempDir('from-config');
  cleanups.push(dir.remove);
  const configDir = join(dir.path, '..');
  const file = join(configDir, 'resolute.config.json');
  await writeFile(file, JSON.stringify({ name: 'cfg', transport: { type: 'memory' }, store: { type: 'level', path: './data/cfg', staleLock: 'refuse' } }));
  const bus = await createBusFromConfig(file, { env: {} });
  cleanups.push(() => bus.close());
  const got: number[] = [];
  await bus.subscribe('t', (n: number) => void got.push(n));
  await bus.publish('t', 42);
  await waitFor(() => got.includes(42));
  expect(existsSync(join(configDir, 'data', 'cfg', 'resolute.lock'))).toBe(true);
});

it('names the bad field of a level store section', () => {
  const context = { name: 'x', logger: { debug() {}, info() {}, warn() {}, error() {} }, baseDir: '/tmp' };
  expect(() => createStoreFromConfig({ type: 'level' }, context)).toThrow(/store\.path/);
  expect(() => createStoreFromConfig({ type: 'level', path: 'x', pth: 1 }, context)).toThrow(/store\.pth/);
  expect(() => createStoreFromConfig({ type: 'level', path: 'x', staleLock: 'maybe' }, context)).toThrow(/staleLock/);
});
