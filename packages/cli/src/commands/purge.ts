import { delOp, type Store } from '@resolute/core';
import type { Command } from 'commander';
import { usageError } from '../errors.js';
import { withStore } from '../open-store.js';
import { parseTargets, planPurge, planSummary, planTotal, PURGEABLE, type PurgePlan } from '../purge-plan.js';
import { destinationKeyOf } from '../store-messages.js';
import { act, plural, storeOptions, type CommandContext } from './common.js';

/** Keys per store batch. Each batch is atomic; a purge of more keys is not (a failure leaves the rest in place). */
const CHUNK = 1000;

export function registerPurge(program: Command, context: CommandContext): void {
  storeOptions(
    program
      .command('purge')
      .description('delete a whole namespace, or messages by id (from dead, incoming and outgoing): asks first, or needs --yes')
      .argument('<targets...>', `namespaces (${Object.keys(PURGEABLE).join(', ')}) or message ids`)
      .option('--topic <topic>', 'only entries of this topic (outgoing, incoming, dead, subscriptions)')
      .option('--destination <address>', 'outgoing only: only deliveries to this destination')
      .option('-y, --yes', 'do not ask: required when stdin is not a terminal (scripts, CI)')
      .option('--dry-run', 'show what would be deleted, change nothing'),
  )
    .addHelpText('after', '\nDeleting is final: consider `resolute dead --show-payload --json` first to keep a copy.')
    .action(
      act<[string[]]>(context, async (options, [targets]) => {
        const destination = options.destination as string | undefined;
        const filter = {
          ...(options.topic === undefined ? {} : { topic: options.topic as string }),
          ...(destination === undefined ? {} : { destination: destinationKeyOf(destination) }),
        };
        const { namespaces, ids } = parseTargets(targets, filter);
        const dryRun = options.dryRun === true;
        const yes = options.yes === true;
        if (!dryRun && !yes && !context.io.interactive) {
          throw usageError('purge deletes data and stdin is not a terminal, so it cannot ask: pass --yes to confirm (or --dry-run to look first)');
        }
        return withStore(options, dryRun ? 'read' : 'write', context.io, async ({ store, location }) => {
          const plan = await planPurge(store, namespaces, ids, filter);
          const total = planTotal(plan);
          const counts = Object.fromEntries([...plan].map(([namespace, keys]) => [namespace, keys.length]));
          const notFound = ids.filter((id) => ![...plan.values()].some((keys) => keys.some((key) => key === id || key.endsWith(`\u0000${id}`))));
          const base = { store: location, dryRun, total, counts, notFound };
          if (total === 0) return { json: { ...base, deleted: 0 }, human: () => `nothing to purge${notFoundText(notFound)}\n`, exitCode: notFound.length > 0 ? 1 : 0 };
          if (dryRun) return { json: { ...base, deleted: 0 }, human: () => `dry run: would delete ${plural(total, 'entry', 'entries')} (${planSummary(plan)})${notFoundText(notFound)}\n` };
          if (!yes && !(await context.io.confirm(`delete ${plural(total, 'entry', 'entries')} (${planSummary(plan)}) from ${location}?`))) {
            return { json: { ...base, deleted: 0, declined: true }, human: () => 'nothing deleted\n', exitCode: 1 };
          }
          await execute(store, plan);
          return {
            json: { ...base, deleted: total },
            human: () => `deleted ${plural(total, 'entry', 'entries')} (${planSummary(plan)})${notFoundText(notFound)}\n`,
            exitCode: notFound.length > 0 ? 1 : 0,
          };
        });
      }),
    );
}

async function execute(store: Store, plan: PurgePlan): Promise<void> {
  const operations = [...plan].flatMap(([namespace, keys]) => keys.map((key) => delOp(namespace, key)));
  for (let start = 0; start < operations.length; start += CHUNK) await store.batch(operations.slice(start, start + CHUNK));
}

function notFoundText(ids: readonly string[]): string {
  return ids.length === 0 ? '' : `; not found: ${ids.join(', ')}`;
}
