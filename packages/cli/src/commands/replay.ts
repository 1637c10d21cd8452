import { DEDUPE_EXPIRY, delOp, isId, NAMESPACES, type Store } from '@resolute/core';
import type { Command } from 'commander';
import { renderTable } from '../format/table.js';
import { usageError } from '../errors.js';
import { withStore } from '../open-store.js';
import { dedupeExpiryKeys, planReplay, type ReplayItem } from '../replay-plan.js';
import { destinationLabel, messagesOf, viewDead } from '../store-messages.js';
import { act, plural, storeOptions, type CommandContext } from './common.js';

/** Messages per store batch: each message's operations always stay inside one batch. */
const CHUNK = 200;

interface Outcome {
  id: string;
  topic?: string;
  side?: ReplayItem['side'];
  destination?: string;
  result: 'replayed' | 'would replay' | 'not found' | 'skipped';
  reason?: string;
}

export function registerReplay(program: Command, context: CommandContext): void {
  storeOptions(
    program
      .command('replay')
      .description('move dead letters back for another try: to the inbox (handlers failed) or to the outbox (sending failed)')
      .argument('[ids...]', 'ids of dead letters (see `resolute dead`)')
      .option('--all', 'every dead letter')
      .option('--topic <topic>', 'every dead letter of this topic')
      .option('--dry-run', 'show what would move, change nothing'),
  )
    .addHelpText(
      'after',
      '\nInbox side: attempts and backoff start again; handlers that had succeeded do not run again; the dedupe entry goes.\n' +
        'Outbox side: the message goes back to its destination lane unchanged. The service runs them when it next starts.',
    )
    .action(
      act<[string[]]>(context, async (options, [ids]) => {
        const topic = options.topic as string | undefined;
        const all = options.all === true;
        const dryRun = options.dryRun === true;
        if ([ids.length > 0, all, topic !== undefined].filter(Boolean).length !== 1) {
          throw usageError('say which dead letters to replay: their ids, or --all, or --topic T (one of these)');
        }
        const bad = ids.filter((id) => !isId(id));
        if (bad.length > 0) throw usageError(`${bad.map((id) => JSON.stringify(id)).join(', ')}: not a message id (26-character ULID, as \`resolute dead\` shows)`);
        return withStore(options, dryRun ? 'read' : 'write', context.io, async ({ store, location }) => {
          const selected = ids.length > 0 ? [...new Set(ids)] : await selectIds(store, topic);
          const outcomes = await replay(store, selected, dryRun, context.io.now());
          const failed = outcomes.some((o) => o.result === 'not found' || o.result === 'skipped');
          return { json: { dryRun, store: location, messages: outcomes }, human: () => replayText(outcomes, dryRun), exitCode: failed ? 1 : 0 };
        });
      }),
    );
}

async function selectIds(store: Store, topic: string | undefined): Promise<string[]> {
  const ids: string[] = [];
  for await (const view of messagesOf(store, NAMESPACES.dead, topic === undefined ? {} : { topic })) ids.push(view.id);
  return ids;
}

async function replay(store: Store, ids: readonly string[], dryRun: boolean, now: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (let start = 0; start < ids.length; start += CHUNK) {
    const items: Array<{ item: ReplayItem; outcome: Outcome }> = [];
    for (const id of ids.slice(start, start + CHUNK)) {
      const value = await store.get(NAMESPACES.dead, id);
      if (value === undefined) {
        outcomes.push({ id, result: 'not found', reason: 'no dead letter with this id' });
        continue;
      }
      const view = viewDead({ key: id, value });
      const outcome: Outcome = { id, ...(view.topic === undefined ? {} : { topic: view.topic }), result: dryRun ? 'would replay' : 'replayed' };
      outcomes.push(outcome);
      let item: ReplayItem;
      try {
        item = planReplay(id, value, now);
      } catch (error) {
        Object.assign(outcome, { result: 'skipped', reason: `unreadable dead letter (${(error as Error).message}): inspect it, or purge it` });
        continue;
      }
      Object.assign(outcome, { side: item.side, ...(item.destination === undefined ? {} : { destination: item.destination }) });
      if (item.side === 'inbox' && (await store.get(NAMESPACES.inbox, id)) !== undefined) {
        Object.assign(outcome, { result: 'skipped', reason: 'already in the inbox (received again since it died): it will run there' });
        continue;
      }
      items.push({ item, outcome });
    }
    if (dryRun || items.length === 0) continue;
    const expiry = await dedupeExpiryKeys(
      store,
      items.filter((i) => i.item.side === 'inbox').map((i) => i.item.id),
    );
    const operations = items.flatMap(({ item }) => {
      const key = expiry.get(item.id);
      return key === undefined ? item.operations : [...item.operations, delOp(DEDUPE_EXPIRY, key)];
    });
    await store.batch(operations);
  }
  return outcomes;
}

function replayText(outcomes: readonly Outcome[], dryRun: boolean): string {
  if (outcomes.length === 0) return 'no dead letters to replay\n';
  const table = renderTable(
    [
      { header: 'id', value: (o: Outcome) => o.id },
      { header: 'topic', value: (o) => o.topic },
      { header: 'to', value: (o) => (o.side === 'outbox' ? `outbox -> ${destinationLabel(o.destination)}` : o.side) },
      { header: 'result', value: (o) => (o.reason === undefined ? o.result : `${o.result}: ${o.reason}`) },
    ],
    outcomes,
  );
  const moved = outcomes.filter((o) => o.result === 'replayed' || o.result === 'would replay').length;
  const failed = outcomes.length - moved;
  const summary = dryRun
    ? `dry run: ${plural(moved, 'message')} would be replayed; nothing changed`
    : moved === 0
      ? 'nothing replayed'
      : `${plural(moved, 'message')} replayed: the service runs ${moved === 1 ? 'it' : 'them'} when it next starts`;
  return `${table}${summary}${failed > 0 ? `; ${failed} not replayed (see above)` : ''}\n`;
}
