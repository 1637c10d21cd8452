import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Child, uniqueName } from '@resolute/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorDoc, StatusDoc, UnlockDoc } from './json-docs.js';
import { TestRedis } from './redis-server.js';
import { expectExit } from './run-cli.js';
import { runFixture, startReady, tempDir } from './scenario.js';

// One private redis-server for the file; every test writes stores of its own names on it.
let redis: TestRedis;
beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => {
  await redis?.stop();
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A Redis store written by a real bus (3 subscriptions, 8 outgoing deliveries), closed. */
async function stuckStore(): Promise<string> {
  const name = uniqueName('shop');
  await runFixture('redis-stuck-publisher.mjs', [redis.url, name]);
  return name;
}

async function holder(name: string): Promise<Child> {
  const child = await startReady('redis-hold-store.mjs', [redis.url, name]);
  cleanups.push(() => child.kill());
  return child;
}

describe('resolute on a Redis store (--redis)', () => {
  it('status shows the counts of a Redis store, as JSON and as text', async () => {
    const name = await stuckStore();
    const doc = (await expectExit(['status', '--redis', redis.url, '--name', name, '--json'], 0)).json<StatusDoc>();
    expect(doc.store).toMatchObject({ kind: 'redis', location: `${redis.url} (store "${name}")`, layout: { version: 1, writer: '@resolute/redis-bus@0.1.0' } });
    expect(doc.namespaces.outgoing.count).toBe(8);
    expect(doc.namespaces.subscriptions.count).toBe(3);
    expect(doc.destinations.map((d) => [d.destination, d.count])).toEqual([
      ['e:audit-peer', 3],
      ['e:offline-peer', 5],
    ]);
    expect(doc.lock).toMatchObject({ state: 'none' });
    const text = (await expectExit(['status', '--redis', redis.url, '--name', name], 0)).stdout;
    expect(text).toContain(`store   redis ${redis.url} (store "${name}")`);
    expect(text).toMatch(/outgoing\s+outbox\s+8/);
    expect(text).toMatch(/subscriptions\s+subscriptions\s+3/);
  });

  it('read-only commands run beside the live service that holds the store, naming it; writing ones are refused', async () => {
    const name = await stuckStore();
    const child = await holder(name);
    const doc = (await expectExit(['status', '--redis', redis.url, '--name', name, '--json'], 0)).json<StatusDoc>();
    expect(doc.lock).toMatchObject({ state: 'alive', pid: child.pid, version: '0.1.0' });
    expect(doc.namespaces.outgoing.count).toBe(8);
    expect((await expectExit(['outgoing', '--redis', redis.url, '--name', name], 0)).stdout).toContain('orders.created');
    const refused = await expectExit(['purge', 'outgoing', '--yes', '--redis', redis.url, '--name', name, '--json'], 1);
    expect(refused.json<ErrorDoc>().error.code).toBe('STORE_LOCKED');
    expect(refused.stderr).toContain(`process ${child.pid} on `);
    expect(refused.stderr).toContain(`resolute unlock --redis ${redis.url} --name ${name}`);
    expect((await expectExit(['status', '--redis', redis.url, '--name', name, '--json'], 0)).json<StatusDoc>().namespaces.outgoing.count).toBe(8);
  });

  it('--config with a Redis store section reads beside the running service too, and unlock works through it', async () => {
    const name = await stuckStore();
    const temp = await tempDir('redis-config');
    cleanups.push(temp.remove);
    const config = join(temp.dir, 'resolute.config.json');
    await writeFile(config, JSON.stringify({ name, transport: { type: 'memory' }, store: { type: 'redis', url: redis.url } }));
    const child = await holder(name);
    const doc = (await expectExit(['status', '--config', config, '--json'], 0)).json<StatusDoc>();
    expect(doc.store.kind).toBe('redis');
    expect(doc.namespaces.outgoing.count).toBe(8);
    expect(doc.lock).toMatchObject({ state: 'alive', pid: child.pid });
    await child.kill();
    expect((await expectExit(['unlock', '--config', config, '--json'], 0)).json<UnlockDoc>()).toMatchObject({ removed: true, lock: { state: 'dead', pid: child.pid } });
  });

  it('unlock removes the lock of a killed service, refuses a live one, and has nothing to do the second time', async () => {
    const name = await stuckStore();
    const child = await holder(name);
    const live = await expectExit(['unlock', '--redis', redis.url, '--name', name], 1);
    expect(live.stderr).toContain(`process ${child.pid}`);
    expect(live.stderr).toContain('which is alive');
    await child.kill();
    const run = await expectExit(['unlock', '--redis', redis.url, '--name', name], 0);
    expect(run.stdout).toContain(`removed the lock of pid ${child.pid}`);
    expect(run.stdout).toContain('no longer running');
    const again = (await expectExit(['unlock', '--redis', redis.url, '--name', name, '--json'], 0)).json<UnlockDoc>();
    expect(again).toMatchObject({ removed: false, lock: { state: 'none' } });
  });

  it('finds the store by itself when the server holds one, and asks for --name when it holds several', async () => {
    const solo = await TestRedis.start();
    cleanups.push(() => solo.stop());
    const name = uniqueName('solo');
    await runFixture('redis-stuck-publisher.mjs', [solo.url, name]);
    const doc = (await expectExit(['status', '--redis', solo.url, '--json'], 0)).json<StatusDoc>();
    expect(doc.store.location).toBe(`${solo.url} (store "${name}")`);
    expect(doc.namespaces.outgoing.count).toBe(8);
    await stuckStore();
    await stuckStore();
    const several = await expectExit(['status', '--redis', redis.url], 2);
    expect(several.stderr).toMatch(/holds \d+ stores: pass --name with one of /);
  });
});
