import { messageJson, messageTable, type MessageListKind } from './format/messages.js';
import type { CliIo } from './io.js';
import { withStore, type StoreSelection } from './open-store.js';
import { scanMessages, type MessageFilter, type MessageNamespace } from './store-messages.js';
import type { ActionResult } from './commands/common.js';

export interface ListOptions extends StoreSelection, MessageFilter {
  limit: number;
  showPayload?: boolean;
}

/** What `incoming`, `outgoing` and `dead` share: read-only scan, filter, limit, then a table or one JSON document. */
export async function listMessages(kind: MessageListKind, namespace: MessageNamespace, options: ListOptions, io: CliIo): Promise<ActionResult> {
  return withStore(options, 'read', io, async ({ store }) => {
    const { messages, matched } = await scanMessages(store, namespace, options);
    const now = io.now();
    const showPayload = options.showPayload === true;
    return {
      json: { namespace, matched, shown: messages.length, messages: messages.map((m) => messageJson(m, now, showPayload)) },
      human: () => messageTable(kind, messages, matched, now, showPayload),
    };
  });
}
