import { idTime } from '@resolute/core';
import { LAYOUT_VERSION, readLock } from '@resolute/level-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeysDoc, ListDoc, StatusDoc, SubscribersDoc } from './json-docs.js';
import { expectExit } from './run-cli.js';
import { buildScenario, tempDir, type Scenario } from './scenario.js';

// One store written by real buses in child processes (see scenario.ts), read by the built binary. These commands
// only read, so the tests share it.
let scenario: Scenario;
let remove: () => Promise<void>;

beforeAll(async () => {
  const temp = await tempDir('inspect');
  remove = temp.remove;
  scenario = await buildScenario(temp.store);
}, 60_000);

afterAll(async () => {
  await remove?.();
});

const datadir = (): string[] => ['--datadir', scenario.path];

describe('resolute status', () => {
  it('counts every namespace, dates the oldest entries, splits outgoing per destination and reports lock and layout', async () => {
    const doc = (await expectExit(['status', ...datadir(), '--json'], 0)).json<StatusDoc>();
    expect(doc.store).toMatchObject({ kind: 'level', location: scenario.path, layout: { version: LAYOUT_VERSION, supported: LAYOUT_VERSION } });
    expect(doc.store.layout.writer).toMatch(/^@resolute\/level-store@/);
    expect(doc.lock).toEqual({ state: 'none', takenOver: false });
    const counts = Object.fromEntries(Object.entries(doc.namespaces).map(([name, n]) => [name, n.count]));
    expect(counts).toEqual({ outgoing: 8, incoming: 4, subscriptions: 3, dead: 4, dedupe: 3, corrupt: 0 });
    expect(doc.namespaces.outgoing.namespace).toBe('outbox');
    expect(doc.namespaces.incoming.namespace).toBe('inbox');
    // The oldest outgoing message is the first one published; ages come from the ULIDs.
    expect(doc.namespaces.outgoing.oldestAt).toBe(new Date(idTime(scenario.published[0]!.id)).toISOString());
    expect(doc.namespaces.dead.oldestAt).toBe(new Date(idTime(scenario.dead[0]!)).toISOString());
    expect(doc.namespaces.outgoing.oldestAgeMs).toBeGreaterThanOrEqual(0);
    expect(doc.namespaces.corrupt).toMatchObject({ count: 0, oldestAt: null, oldestAgeMs: null });
    expect(doc.destinations.map((d) => [d.destination, d.count])).toEqual([
      ['e:audit-peer', 3],
      ['e:offline-peer', 5],
    ]);
    expect(doc.otherNamespaces).toEqual({ 'dedupe-expiry': 3, meta: 2 });
  });

  it('prints the same as tables for people', async () => {
    const { stdout, stderr } = await expectExit(['status', ...datadir()], 0);
    expect(stdout).toContain(`store   level ${scenario.path}`);
    expect(stdout).toMatch(new RegExp(`layout  ${LAYOUT_VERSION} \\(written by @resolute/level-store@`));
    expect(stdout).toContain('lock    free');
    expect(stdout).toMatch(/outgoing\s+outbox\s+8\s/);
    expect(stdout).toMatch(/dead\s+dead\s+4\s/);
    expect(stdout).toMatch(/offline-peer\s+5\s/);
    expect(stdout).toContain('other namespaces: dedupe-expiry 3, meta 2');
    expect(stderr).toBe('');
  });

  it('closes the store: no lock is left behind by a read-only command', async () => {
    await expectExit(['status', ...datadir()], 0);
    expect(await readLock(scenario.path)).toBeUndefined();
  });
});

describe('resolute outgoing', () => {
  it('lists every pending delivery with its destination, oldest first per destination', async () => {
    const doc = (await expectExit(['outgoing', ...datadir(), '--json'], 0)).json<ListDoc>();
    expect(doc).toMatchObject({ namespace: 'outbox', matched: 8, shown: 8 });
    const audit = doc.messages.filter((m) => m.destination === 'e:audit-peer').map((m) => m.id);
    const orders = scenario.published.filter((p) => p.topic === 'orders.created').map((p) => p.id);
    expect(audit).toEqual(orders);
    for (const message of doc.messages) {
      expect(message).toMatchObject({ kind: 'event', source: 'shop' });
      expect(message.ageMs).toBeGreaterThanOrEqual(0);
      expect(message).not.toHaveProperty('payload');
    }
  });

  it('filters by --topic and --destination, and cuts at --limit while still counting every match', async () => {
    const byTopic = (await expectExit(['outgoing', ...datadir(), '--topic', 'users.updated', '--json'], 0)).json<ListDoc>();
    expect(byTopic.matched).toBe(2);
    expect(byTopic.messages.map((m) => [m.topic, m.destination])).toEqual([
      ['users.updated', 'e:offline-peer'],
      ['users.updated', 'e:offline-peer'],
    ]);
    const byDestination = (await expectExit(['outgoing', ...datadir(), '--destination', 'audit-peer', '--json'], 0)).json<ListDoc>();
    expect(byDestination.matched).toBe(3);
    const limited = (await expectExit(['outgoing', ...datadir(), '--limit', '3', '--json'], 0)).json<ListDoc>();
    expect(limited).toMatchObject({ matched: 8, shown: 3 });
    expect(limited.messages).toHaveLength(3);
    const human = await expectExit(['outgoing', ...datadir(), '--limit', '3'], 0);
    expect(human.stdout).toContain('3 of 8 messages shown');
    expect(human.stdout).toMatch(/^DESTINATION\s+ID\s+TOPIC\s+KIND\s+AGE$/m);
  });

  it('shows payloads with --show-payload', async () => {
    const doc = (await expectExit(['outgoing', ...datadir(), '--topic', 'users.updated', '--show-payload', '--json'], 0)).json<ListDoc>();
    expect(doc.messages.map((m) => m.payload)).toEqual([
      { topic: 'users.updated', n: 0 },
      { topic: 'users.updated', n: 1 },
    ]);
    const human = await expectExit(['outgoing', ...datadir(), '--topic', 'users.updated', '--show-payload'], 0);
    expect(human.stdout).toContain('{"topic":"users.updated","n":1}');
  });
});

describe('resolute incoming', () => {
  it('lists received messages with attempts, the next try and the last error', async () => {
    const doc = (await expectExit(['incoming', ...datadir(), '--json'], 0)).json<ListDoc>();
    expect(doc.matched).toBe(4);
    const retrying = doc.messages.filter((m) => m.topic === 'job.retry');
    expect(retrying.map((m) => m.id).sort()).toEqual([...scenario.retrying].sort());
    for (const message of retrying) {
      expect(message.attempts).toBe(1);
      expect(message.lastError).toMatchObject({ code: 'HANDLER_FAILED', message: expect.stringContaining('inventory locked') });
      expect(Date.parse(message.notBefore!)).toBeGreaterThan(Date.now());
    }
    const parked = doc.messages.filter((m) => m.topic === 'job.parked');
    expect(parked.map((m) => m.id).sort()).toEqual([...scenario.parked].sort());
    expect(parked.every((m) => m.attempts === 0 && m.lastError === undefined)).toBe(true);
    const human = await expectExit(['incoming', ...datadir(), '--topic', 'job.retry'], 0);
    expect(human.stdout).toMatch(/^ID\s+TOPIC\s+KIND\s+AGE\s+ATTEMPTS\s+NEXT TRY\s+LAST ERROR$/m);
    expect(human.stdout).toContain('HANDLER_FAILED: inventory locked (job 0)');
    expect(human.stdout).toContain('2 messages');
  });
});

describe('resolute dead', () => {
  it('lists dead letters with their last error, and which side gave up', async () => {
    const doc = (await expectExit(['dead', ...datadir(), '--json'], 0)).json<ListDoc>();
    expect(doc.matched).toBe(4);
    const inboxSide = doc.messages.filter((m) => m.destination === undefined);
    expect(inboxSide.map((m) => m.id)).toEqual(scenario.dead);
    for (const message of inboxSide) {
      expect(message).toMatchObject({ topic: 'job.run', kind: 'command', attempts: 2, lastError: { code: 'HANDLER_FAILED' } });
      expect(message.lastError?.message).toMatch(/^payment service down \(job \d\)$/);
    }
    const relay = doc.messages.find((m) => m.id === scenario.relayDead.id);
    expect(relay).toMatchObject({ topic: 'billing.charged', destination: 't:billing.charged', lastError: { code: 'UNSUPPORTED' } });
    const human = await expectExit(['dead', ...datadir()], 0);
    expect(human.stdout).toContain('outbox -> topic billing.charged');
    expect(human.stdout).toContain('HANDLER_FAILED: payment service down (job 2)');
  });
});

describe('resolute keys and subscribers', () => {
  it('keys lists each subscription key as topic and subscriber address', async () => {
    const doc = (await expectExit(['keys', ...datadir(), '--json'], 0)).json<KeysDoc>();
    expect(doc.subscriptions.map((s) => [s.topic, s.address])).toEqual([
      ['orders.created', 'audit-peer'],
      ['orders.created', 'offline-peer'],
      ['users.updated', 'offline-peer'],
    ]);
    expect(doc.subscriptions[0]?.key).toBe('orders.created\u0000audit-peer');
    expect(doc.subscriptions.every((s) => s.since !== null)).toBe(true);
    const filtered = (await expectExit(['keys', ...datadir(), '--topic', 'users.updated', '--json'], 0)).json<KeysDoc>();
    expect(filtered.subscriptions).toHaveLength(1);
    expect((await expectExit(['keys', ...datadir()], 0)).stdout).toMatch(/^users\.updated\s+offline-peer\s/m);
  });

  it('subscribers lists each address once, with its topics', async () => {
    const doc = (await expectExit(['subscribers', ...datadir(), '--json'], 0)).json<SubscribersDoc>();
    expect(doc.subscribers).toEqual([
      { address: 'audit-peer', topics: ['orders.created'] },
      { address: 'offline-peer', topics: ['orders.created', 'users.updated'] },
    ]);
    expect((await expectExit(['subscribers', ...datadir()], 0)).stdout).toContain('2 subscribers');
  });
});
