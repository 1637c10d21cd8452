import { readLock } from '@resolute/level-store';
import { describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../src/index.js';
import type { ListDoc, PurgeDoc, StatusDoc } from './json-docs.js';
import { expectExit } from './run-cli.js';
import { scenarioCopies } from './scenario.js';

const { freshCopy } = scenarioCopies('purge');

async function counts(path: string): Promise<Record<string, number>> {
  const doc = (await expectExit(['status', '--datadir', path, '--json'], 0)).json<StatusDoc>();
  return { ...Object.fromEntries(Object.entries(doc.namespaces).map(([name, n]) => [name, n.count])), ...doc.otherNamespaces };
}

describe('resolute purge', () => {
  it('refuses without --yes when stdin is not a terminal (exit 2), deleting nothing', async () => {
    const store = await freshCopy();
    const before = await counts(store.path);
    const run = await expectExit(['purge', 'dead', '--datadir', store.path], 2);
    expect(run.stderr).toContain('pass --yes');
    expect(run.stdout).toBe('');
    expect(await counts(store.path)).toEqual(before);
  });

  it('--dry-run says what would go and changes nothing', async () => {
    const store = await freshCopy();
    const before = await counts(store.path);
    const doc = (await expectExit(['purge', 'dead', 'incoming', '--dry-run', '--datadir', store.path, '--json'], 0)).json<PurgeDoc>();
    expect(doc).toMatchObject({ dryRun: true, total: 8, counts: { dead: 4, inbox: 4 }, deleted: 0 });
    expect(await counts(store.path)).toEqual(before);
  });

  it('with --yes deletes a whole namespace and nothing else', async () => {
    const store = await freshCopy();
    const before = await counts(store.path);
    const run = await expectExit(['purge', 'dead', '--yes', '--datadir', store.path], 0);
    expect(run.stdout).toContain('deleted 4 entries (dead 4)');
    expect(await counts(store.path)).toEqual({ ...before, dead: 0 });
    expect(await readLock(store.path)).toBeUndefined();
  });

  it('filters by --topic and --destination', async () => {
    const store = await freshCopy();
    const byTopic = (await expectExit(['purge', 'dead', '--topic', 'job.run', '-y', '--datadir', store.path, '--json'], 0)).json<PurgeDoc>();
    expect(byTopic).toMatchObject({ deleted: 3, counts: { dead: 3 } });
    const left = (await expectExit(['dead', '--datadir', store.path, '--json'], 0)).json<ListDoc>();
    expect(left.messages.map((m) => m.id)).toEqual([store.relayDead.id]);
    await expectExit(['purge', 'outgoing', '--destination', 'audit-peer', '--yes', '--datadir', store.path], 0);
    const outgoing = (await expectExit(['outgoing', '--datadir', store.path, '--json'], 0)).json<ListDoc>();
    expect(new Set(outgoing.messages.map((m) => m.destination))).toEqual(new Set(['e:offline-peer']));
    expect(outgoing.matched).toBe(5);
  });

  it('deletes messages by id wherever they wait: every outgoing lane, the inbox, the dead letters', async () => {
    const store = await freshCopy();
    const order = store.published[0]!.id; // in two outgoing lanes
    const parked = store.parked[0]!;
    const dead = store.dead[0]!;
    const unknown = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
    const before = await counts(store.path);
    const run = await expectExit(['purge', order, parked, dead, unknown, '--yes', '--datadir', store.path, '--json'], 1);
    expect(run.json<PurgeDoc>()).toMatchObject({ deleted: 4, counts: { outbox: 2, inbox: 1, dead: 1 }, notFound: [unknown] });
    expect(await counts(store.path)).toEqual({ ...before, outgoing: before.outgoing! - 2, incoming: before.incoming! - 1, dead: before.dead! - 1 });
  });

  it('refuses what it cannot purge (exit 2): meta, unknown names, a filter that does not apply', async () => {
    const store = await freshCopy();
    expect((await expectExit(['purge', 'meta', '--yes', '--datadir', store.path], 2)).stderr).toContain('bookkeeping');
    expect((await expectExit(['purge', 'everything', '--yes', '--datadir', store.path], 2)).stderr).toContain('neither a namespace');
    await expectExit(['purge', 'corrupt', '--topic', 'x', '--yes', '--datadir', store.path], 2);
    await expectExit(['purge', '--yes', '--datadir', store.path], 2);
  });
});

describe('resolute purge at a terminal (in-process runCli)', () => {
  function terminal(answer: boolean): { io: Partial<CliIo>; out: () => string; questions: string[] } {
    let out = '';
    const questions: string[] = [];
    const io: Partial<CliIo> = {
      stdout: { write: (chunk: string) => (out += chunk) },
      stderr: { write: () => true },
      interactive: true,
      confirm: async (question) => {
        questions.push(question);
        return answer;
      },
    };
    return { io, out: () => out, questions };
  }

  it('asks first, and deletes nothing on no (exit 1)', async () => {
    const store = await freshCopy();
    const tty = terminal(false);
    expect(await runCli(['purge', 'dead', '--datadir', store.path], tty.io)).toBe(1);
    expect(tty.questions).toEqual([`delete 4 entries (dead 4) from ${store.path}?`]);
    expect(tty.out()).toContain('nothing deleted');
    expect((await counts(store.path)).dead).toBe(4);
    expect(await readLock(store.path)).toBeUndefined();
  });

  it('deletes on yes', async () => {
    const store = await freshCopy();
    const tty = terminal(true);
    expect(await runCli(['purge', 'dead', '--datadir', store.path], tty.io)).toBe(0);
    expect(tty.questions).toHaveLength(1);
    expect((await counts(store.path)).dead).toBe(0);
  });
});
