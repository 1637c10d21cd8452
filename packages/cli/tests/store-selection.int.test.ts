import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@resolute/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { ErrorDoc, StatusDoc } from './json-docs.js';
import { expectExit } from './run-cli.js';
import { runFixture, tempDir } from './scenario.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A directory with two stores written by real buses (`busy` with 8 outgoing, `quiet` with none) and a config. */
async function configured(): Promise<{ dir: string; config: string }> {
  const temp = await tempDir('selection');
  cleanups.push(temp.remove);
  await runFixture('stuck-publisher.mjs', [join(temp.dir, 'busy')]);
  await runFixture('failing-worker.mjs', [join(temp.dir, 'quiet'), 'dead', '1']);
  const config = join(temp.dir, 'resolute.config.json');
  await writeFile(
    config,
    JSON.stringify({
      name: 'shop',
      transport: { type: 'memory' },
      store: { type: 'level', path: './busy' },
      profiles: { quiet: { store: { type: 'level', path: './quiet' } }, inmemory: { store: { type: 'memory' } } },
    }),
  );
  return { dir: temp.dir, config };
}

async function outgoingOf(args: string[], env: Record<string, string> = {}): Promise<{ count: number; location: string }> {
  const doc = (await expectExit(['status', ...args, '--json'], 0, { env })).json<StatusDoc>();
  return { count: doc.namespaces.outgoing.count, location: doc.store.location };
}

describe('choosing the store', () => {
  it('--config opens the store the service config names, relative to the config file', async () => {
    const { dir, config } = await configured();
    expect(await outgoingOf(['--config', config])).toEqual({ count: 8, location: join(dir, 'busy') });
  });

  it('honours RESOLUTE_PROFILE, and --profile over it', async () => {
    const { dir, config } = await configured();
    expect(await outgoingOf(['--config', config], { RESOLUTE_PROFILE: 'quiet' })).toEqual({ count: 0, location: join(dir, 'quiet') });
    expect((await outgoingOf(['--config', config, '--profile', 'quiet'])).location).toBe(join(dir, 'quiet'));
    const unknown = await expectExit(['status', '--config', config, '--profile', 'nope'], 1);
    expect(unknown.stderr).toContain('profile "nope" is not in the config');
  });

  it('refuses a memory store from config: it lives inside the service process', async () => {
    const { config } = await configured();
    const run = await expectExit(['status', '--config', config, '--profile', 'inmemory', '--json'], 1);
    expect(run.json<ErrorDoc>().error.code).toBe('UNSUPPORTED');
  });

  it('--datadir takes paths relative to the working directory, and refuses a directory that holds no store', async () => {
    const { dir } = await configured();
    const relative = (await expectExit(['status', '--datadir', 'busy', '--json'], 0, { cwd: dir })).json<StatusDoc>();
    expect(relative.store.location).toBe(join(dir, 'busy'));
    expect(relative.namespaces.outgoing.count).toBe(8);
    const missing = await expectExit(['status', '--datadir', join(dir, 'typo')], 1);
    expect(missing.stderr).toContain(`there is no store in ${join(dir, 'typo')}`);
    expect(existsSync(join(dir, 'typo'))).toBe(false);
  });

  it('--redis loads @resolute/redis-bus by name and says how to install it when it is missing', async () => {
    const hide = fileURLToPath(new URL('./fixtures/hide-redis-bus.mjs', import.meta.url));
    const run = await expectExit(['dead', '--redis', 'redis://user:secret@127.0.0.1:6379', '--json'], 1, { env: { NODE_OPTIONS: `--import=${hide}` } });
    expect(run.json<ErrorDoc>().error).toMatchObject({
      code: 'BACKEND_NOT_INSTALLED',
      message: 'the Redis store needs @resolute/redis-bus, which is not installed: npm install @resolute/redis-bus',
    });
    expect(run.stderr).toContain('npm install @resolute/redis-bus');
    expect(run.stderr + run.stdout).not.toContain('secret');
  });

  it('--redis to a server that does not answer fails with UNREACHABLE, password hidden', async () => {
    const port = await freePort();
    const run = await expectExit(['status', '--redis', `redis://user:secret@127.0.0.1:${port}`, '--name', 'shop', '--json'], 1);
    expect(run.json<ErrorDoc>().error.code).toBe('UNREACHABLE');
    expect(run.stderr).toContain(`127.0.0.1:${port}`);
    expect(run.stderr + run.stdout).not.toContain('secret');
  });

  it('--name applies to --redis only', async () => {
    const run = await expectExit(['status', '--datadir', 'x', '--name', 'shop'], 2);
    expect(run.stderr).toContain('--name applies to --redis only');
  });
});
