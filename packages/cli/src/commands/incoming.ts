import { NAMESPACES } from '@resolute/core';
import type { Command } from 'commander';
import { listMessages, type ListOptions } from '../list-messages.js';
import { act, listOptions, storeOptions, type CommandContext } from './common.js';

export function registerIncoming(program: Command, context: CommandContext): void {
  listOptions(
    storeOptions(
      program
        .command('incoming')
        .description('list received messages not handled yet (the inbox): attempts so far, when the next try is due, the last error'),
    ),
  ).action(act(context, async (options) => listMessages('incoming', NAMESPACES.inbox, options as unknown as ListOptions, context.io)));
}
