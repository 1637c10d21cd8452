import { childLogger, type Logger } from '../logger.js';
import type { InboxItem } from './dispatcher.js';
import type { MessageContext, NamedHandler } from './handler-registry.js';

export interface HandlersRun {
  /** The last successful handler's result (a request's reply). */
  value: unknown;
  failures: { name: string; error: unknown }[];
}

/**
 * Runs a message's handlers at once and settles with every outcome; never rejects. Each handler that succeeds is
 * added to `item.meta.done`, so a retry runs only the ones that failed.
 */
export async function runHandlers(item: InboxItem, handlers: readonly NamedHandler[], base: Logger, signal: AbortSignal): Promise<HandlersRun> {
  const { envelope } = item;
  let logger: Logger | undefined;
  const context: MessageContext = {
    id: envelope.id,
    topic: envelope.topic,
    kind: envelope.kind,
    headers: envelope.headers,
    source: envelope.source,
    attempt: item.meta.attempts,
    createdAt: envelope.createdAt,
    signal,
    // Made on first use: a pino child per message costs more than most handlers, and most never log.
    get logger(): Logger {
      return (logger ??= childLogger(base, { messageId: envelope.id, topic: envelope.topic }));
    },
  };
  if (handlers.length === 1) {
    // The common case, without allSettled's arrays and extra promises; same outcome.
    const { name, handler } = handlers[0]!;
    try {
      const value: unknown = await handler(envelope.payload, context);
      item.meta.done.push(name);
      return { value, failures: [] };
    } catch (error) {
      return { value: undefined, failures: [{ name, error }] };
    }
  }
  const settled = await Promise.allSettled(handlers.map(async (h) => h.handler(envelope.payload, context)));
  const failures: { name: string; error: unknown }[] = [];
  let value: unknown;
  settled.forEach((result, i) => {
    const name = handlers[i]!.name;
    if (result.status === 'fulfilled') {
      item.meta.done.push(name);
      value = result.value;
    } else failures.push({ name, error: result.reason });
  });
  return { value, failures };
}
