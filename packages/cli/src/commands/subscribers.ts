import type { Command } from 'commander';
import { renderTable } from '../format/table.js';
import { withStore } from '../open-store.js';
import { act, plural, storeOptions, type CommandContext } from './common.js';
import { NO_SUBSCRIPTIONS, readSubscriptions } from './keys.js';

interface Subscriber {
  address: string;
  topics: string[];
}

export function registerSubscribers(program: Command, context: CommandContext): void {
  storeOptions(program.command('subscribers').description('list the unique subscriber addresses, each with its topics')).action(
    act(context, async (options) =>
      withStore(options, 'read', context.io, async ({ store }) => {
        const byAddress = new Map<string, string[]>();
        for (const row of await readSubscriptions(store)) {
          if (row.problem !== undefined && row.address === '') continue;
          byAddress.set(row.address, [...(byAddress.get(row.address) ?? []), row.topic]);
        }
        const subscribers: Subscriber[] = [...byAddress].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([address, topics]) => ({ address, topics }));
        return {
          json: { subscribers },
          human: () =>
            subscribers.length === 0
              ? NO_SUBSCRIPTIONS
              : renderTable(
                  [
                    { header: 'subscriber', value: (s: Subscriber) => s.address },
                    { header: 'topics', value: (s) => s.topics.length, align: 'right' },
                    { header: 'topic names', value: (s) => s.topics.join(', ') },
                  ],
                  subscribers,
                ) + `${plural(subscribers.length, 'subscriber')}\n`,
        };
      }),
    ),
  );
}
