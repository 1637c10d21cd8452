import { childLogger, type Logger } from '../logger.js';
import type { InboxItem } from './dispatcher.js';
import type { MessageContext, NamedHandler } from './handler-registry.js';

export interface HandlersRun {
  /** The last successful handler's result (a request's reply). */
  value: unknown;
  failures: { name: string; error: unknown }[];
}

/** What a handler gets beside the payload. A class, so its lazy logger getter is shared, not a closure per message. */
class HandlerContext implements MessageContext {
  readonly id: string;
  readonly topic: string;
  readonly kind: MessageContext['kind'];
  readonly headers: MessageContext['headers'];
  readonly source: string;
  readonly attempt: number;
  readonly createdAt: number;
  readonly signal: AbortSignal;
  // Private fields (#), so a handler that spreads or logs its context sees the message's facts only.
  readonly #base: Logger;
  #child: Logger | undefined;

  constructor(item: InboxItem, signal: AbortSignal, base: Logger) {
    const { envelope } = item;
    this.signal = signal;
    this.#base = base;
    this.id = envelope.id;
    this.topic = envelope.topic;
    this.kind = envelope.kind;
    this.headers = envelope.headers;
    this.source = envelope.source;
    this.attempt = item.meta.attempts;
    this.createdAt = envelope.createdAt;
  }

  /** Made on first use: a pino child per message costs more than most handlers, and most never log. */
  get logger(): Logger {
    return (this.#child ??= childLogger(this.#base, { messageId: this.id, topic: this.topic }));
  }
}

/**
 * Runs a message's handlers at once and settles with every outcome; never rejects. Each handler that succeeds is
 * added to `item.meta.done`, so a retry runs only the ones that failed.
 */
export async function runHandlers(item: InboxItem, handlers: readonly NamedHandler[], base: Logger, signal: AbortSignal): Promise<HandlersRun> {
  const { envelope } = item;
  const context = new HandlerContext(item, signal, base);
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
