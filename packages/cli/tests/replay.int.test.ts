import { jsonLines, waitFor } from '@resolute/core/testing';
import { readLock } from '@resolute/level-store';
import { describe, expect, it } from 'vitest';
import type { ListDoc, ReplayDoc, StatusDoc } from './json-docs.js';
import { expectExit } from './run-cli.js';
import { runFixture, scenarioCopies, startReady, tempDir } from './scenario.js';

// The scenario store is written once; each test works on its own copy.
const { freshCopy, afterThisTest } = scenarioCopies('replay');

async function status(path: string): Promise<StatusDoc> {
  return (await expectExit(['status', '--datadir', path, '--json'], 0)).json<StatusDoc>();
}

function counts(doc: StatusDoc): Record<string, number> {
  return { ...Object.fromEntries(Object.entries(doc.namespaces).map(([name, n]) => [name, n.count])), ...doc.otherNamespaces };
}

async function list(command: string, path: string, ...extra: string[]): Promise<ListDoc> {
  return (await expectExit([command, '--datadir', path, '--json', ...extra], 0)).json<ListDoc>();
}

describe('resolute replay (inbox side)', () => {
  it('puts one dead letter back in the inbox, fresh, without its dedupe entry; a worker then runs exactly that message', async () => {
    const store = await freshCopy();
    const id = store.dead[1]!;
    const before = await status(store.path);

    const dry = (await expectExit(['replay', id, '--datadir', store.path, '--dry-run', '--json'], 0)).json<ReplayDoc>();
    expect(dry).toMatchObject({ dryRun: true, messages: [{ id, topic: 'job.run', side: 'inbox', result: 'would replay' }] });
    expect(counts(await status(store.path))).toEqual(counts(before));

    const done = await expectExit(['replay', id, '--datadir', store.path], 0);
    expect(done.stdout).toContain('1 message replayed');
    const after = await status(store.path);
    expect(after.namespaces.dead.count).toBe(before.namespaces.dead.count - 1);
    expect(after.namespaces.incoming.count).toBe(before.namespaces.incoming.count + 1);
    expect(after.namespaces.dedupe.count).toBe(before.namespaces.dedupe.count - 1);
    expect(after.otherNamespaces['dedupe-expiry']).toBe(before.otherNamespaces['dedupe-expiry']! - 1);
    expect((await list('dead', store.path)).messages.map((m) => m.id)).not.toContain(id);
    const incoming = (await list('incoming', store.path, '--topic', 'job.run')).messages;
    expect(incoming).toHaveLength(1);
    // Attempts and backoff start again; the last error is kept for whoever looks.
    expect(incoming[0]).toMatchObject({ id, attempts: 0, notBefore: null, done: [], lastError: { code: 'HANDLER_FAILED' } });

    const worker = await startReady('replay-worker.mjs', [store.path]);
    const handled = (): Array<Record<string, unknown>> => jsonLines(worker).filter((e) => e.event === 'handled');
    await waitFor(() => handled().length >= 1, { timeoutMs: 15_000, message: () => `the replayed message handled (stderr: ${worker.stderr()})` });
    worker.process.kill('SIGTERM');
    await worker.exited;
    expect(jsonLines(worker).at(-1)).toEqual({ event: 'closed' });
    expect(handled()).toEqual([{ event: 'handled', handler: 'job.run', id, attempt: 0, payload: { n: 1 } }]);

    const final = await status(store.path);
    expect(final.namespaces.dead.count).toBe(before.namespaces.dead.count - 1);
    expect(final.namespaces.dedupe.count).toBe(before.namespaces.dedupe.count);
    expect((await list('incoming', store.path, '--topic', 'job.run')).matched).toBe(0);
    expect((await list('dead', store.path, '--topic', 'job.run')).messages.map((m) => m.id)).toEqual(store.dead.filter((d) => d !== id));
  });

  it('keeps the handlers that had succeeded: after a replay only the failed one runs again', async () => {
    const temp = await tempDir('replay-partial');
    afterThisTest(temp.remove);
    const first = await runFixture('failing-worker.mjs', [temp.store, 'partial']);
    expect(first.filter((e) => e.event === 'ran').map((e) => e.handler)).toEqual(['audit', 'charge', 'charge']);
    const id = first.find((e) => e.event === 'dead')!.id as string;
    expect((await list('dead', temp.store)).messages[0]).toMatchObject({ id, topic: 'invoice.issued', done: ['audit'], lastError: { message: 'card declined' } });

    await expectExit(['replay', id, '--datadir', temp.store], 0);
    expect((await list('incoming', temp.store)).messages[0]).toMatchObject({ id, attempts: 0, done: ['audit'] });

    const worker = await startReady('replay-worker.mjs', [temp.store]);
    const handled = (): Array<Record<string, unknown>> => jsonLines(worker).filter((e) => e.event === 'handled');
    await waitFor(() => handled().length >= 1, { timeoutMs: 15_000, message: () => `the replayed event handled (stderr: ${worker.stderr()})` });
    worker.process.kill('SIGTERM');
    await worker.exited;
    expect(handled().map((e) => [e.handler, e.id])).toEqual([['charge', id]]);
    expect((await list('incoming', temp.store)).matched).toBe(0);
    expect((await list('dead', temp.store)).matched).toBe(0);
  });

  it('replays every dead letter with --all, each back to its own side', async () => {
    const store = await freshCopy();
    const doc = (await expectExit(['replay', '--all', '--datadir', store.path, '--json'], 0)).json<ReplayDoc>();
    expect(doc.messages.map((m) => [m.id, m.side, m.result])).toEqual([
      ...store.dead.map((id) => [id, 'inbox', 'replayed']),
      [store.relayDead.id, 'outbox', 'replayed'],
    ]);
    expect((await status(store.path)).namespaces.dead.count).toBe(0);
    expect(await readLock(store.path)).toBeUndefined();
  });
});

describe('resolute replay (relay side)', () => {
  it('puts a dead letter the relay wrote back in the outbox under its destination, with the same envelope', async () => {
    const store = await freshCopy();
    const { id, destination } = store.relayDead;
    const deadView = (await list('dead', store.path, '--topic', 'billing.charged', '--show-payload')).messages[0]!;
    const doc = (await expectExit(['replay', '--topic', 'billing.charged', '--datadir', store.path, '--json'], 0)).json<ReplayDoc>();
    expect(doc.messages).toEqual([{ id, topic: 'billing.charged', side: 'outbox', destination, result: 'replayed' }]);
    const outgoing = await list('outgoing', store.path, '--destination', destination, '--show-payload');
    expect(outgoing.messages).toHaveLength(1);
    expect(outgoing.messages[0]).toMatchObject({ id, key: `${destination}\u0000${id}`, topic: 'billing.charged', source: 'shop', createdAt: deadView.createdAt });
    expect(outgoing.messages[0]?.payload).toEqual({ amount: 42, currency: 'EUR' });
    expect(deadView.payload).toEqual(outgoing.messages[0]?.payload);
    expect((await list('dead', store.path)).messages.map((m) => m.id)).not.toContain(id);
  });
});

describe('resolute replay: what it refuses', () => {
  it('reports unknown ids (exit 1) and leaves the rest replayed', async () => {
    const store = await freshCopy();
    const unknown = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
    const run = await expectExit(['replay', unknown, store.dead[0]!, '--datadir', store.path], 1);
    expect(run.stdout).toContain(`${unknown}`);
    expect(run.stdout).toContain('not found');
    expect(run.stdout).toContain('1 message replayed');
    expect((await status(store.path)).namespaces.dead.count).toBe(3);
    expect(await readLock(store.path)).toBeUndefined();
  });

  it('needs ids, --all or --topic, and real ids (exit 2)', async () => {
    const store = await freshCopy();
    const none = await expectExit(['replay', '--datadir', store.path], 2);
    expect(none.stderr).toContain('--all');
    await expectExit(['replay', '--all', '--topic', 'job.run', '--datadir', store.path], 2);
    const bad = await expectExit(['replay', 'not-an-id', '--datadir', store.path], 2);
    expect(bad.stderr).toContain('not a message id');
    expect((await status(store.path)).namespaces.dead.count).toBe(4);
  });
});
