import { NAMESPACES } from '@resolute/core';
import type { Command } from 'commander';
import { listMessages, type ListOptions } from '../list-messages.js';
import { destinationKeyOf } from '../store-messages.js';
import { act, listOptions, storeOptions, type CommandContext } from './common.js';

export function registerOutgoing(program: Command, context: CommandContext): void {
  listOptions(
    storeOptions(
      program
        .command('outgoing')
        .description('list messages waiting to be delivered (the outbox), per destination, oldest first')
        .option('--destination <address>', 'only deliveries to this subscriber address or endpoint (t:<topic> for a broker topic)'),
    ),
  )
    .addHelpText('after', '\nThe outbox keeps only the messages: why a destination fails (and how often) is in the service logs.')
    .action(
      act(context, async (options) => {
        const destination = options.destination as string | undefined;
        const list = { ...(options as unknown as ListOptions), destination: destination === undefined ? undefined : destinationKeyOf(destination) };
        return listMessages('outgoing', NAMESPACES.outbox, list, context.io);
      }),
    );
}
