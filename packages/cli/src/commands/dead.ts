import { NAMESPACES } from '@resolute/core';
import type { Command } from 'commander';
import { listMessages, type ListOptions } from '../list-messages.js';
import { act, listOptions, storeOptions, type CommandContext } from './common.js';

export function registerDead(program: Command, context: CommandContext): void {
  listOptions(
    storeOptions(
      program
        .command('dead')
        .description('list dead letters with their last error: messages whose handlers gave up (side inbox) or that could not be sent (side outbox)'),
    ),
  )
    .addHelpText('after', '\nReplay them with `resolute replay`, drop them with `resolute purge`.')
    .action(act(context, async (options) => listMessages('dead', NAMESPACES.dead, options as unknown as ListOptions, context.io)));
}
