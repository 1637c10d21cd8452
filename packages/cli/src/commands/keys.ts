import { NAMESPACES, splitSubscriptionKey, type Store } from '@resolute/core';
import type { Command } from 'commander';
import { formatAge } from '../format/age.js';
import { renderTable } from '../format/table.js';
import { withStore } from '../open-store.js';
import { act, plural, storeOptions, type CommandContext } from './common.js';

/** One entry of the subscriptions namespace (publisher-routed transports), keyed `<topic>\0<address>`. */
export interface SubscriptionRow {
  key: string;
  topic: string;
  address: string;
  /** When the subscriber asked (ms since the epoch), when the record says. */
  since: number | undefined;
  problem?: string;
}

export async function readSubscriptions(store: Store, topic?: string): Promise<SubscriptionRow[]> {
  const rows: SubscriptionRow[] = [];
  for await (const { key, value } of store.entries(NAMESPACES.subscriptions)) {
    let row: SubscriptionRow;
    try {
      const [t, address] = splitSubscriptionKey(key);
      row = { key, topic: t, address, since: undefined };
    } catch (error) {
      row = { key, topic: key, address: '', since: undefined, problem: (error as Error).message };
    }
    try {
      const since = (JSON.parse(value.toString('utf8')) as { since?: unknown }).since;
      if (typeof since === 'number') row.since = since;
    } catch {
      row.problem ??= 'the record is not JSON';
    }
    if (topic === undefined || row.topic === topic) rows.push(row);
  }
  return rows;
}

export const NO_SUBSCRIPTIONS =
  'no subscriptions (only publisher-routed transports such as zmq-peer keep them here; brokers keep their own)\n';

export function registerKeys(program: Command, context: CommandContext): void {
  storeOptions(
    program
      .command('keys')
      .description('list subscription keys: which subscriber address asked for which topic')
      .option('--topic <topic>', 'only this topic'),
  ).action(
    act(context, async (options) =>
      withStore(options, 'read', context.io, async ({ store }) => {
        const rows = await readSubscriptions(store, options.topic as string | undefined);
        const now = context.io.now();
        return {
          json: {
            subscriptions: rows.map((r) => ({
              key: r.key,
              topic: r.topic,
              address: r.address,
              since: r.since === undefined ? null : new Date(r.since).toISOString(),
              ...(r.problem === undefined ? {} : { problem: r.problem }),
            })),
          },
          human: () =>
            rows.length === 0
              ? NO_SUBSCRIPTIONS
              : renderTable(
                  [
                    { header: 'topic', value: (r: SubscriptionRow) => r.topic },
                    { header: 'subscriber', value: (r) => r.address },
                    { header: 'since', value: (r) => (r.since === undefined ? r.problem : `${formatAge(now - r.since)} ago`), align: 'right' },
                  ],
                  rows,
                ) + `${plural(rows.length, 'subscription')}\n`,
        };
      }),
    ),
  );
}
