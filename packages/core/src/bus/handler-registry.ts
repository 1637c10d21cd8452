import type { Envelope } from '../envelope.js';
import { ResoluteError } from '../errors.js';
import type { Logger } from '../logger.js';

/** What a handler learns about the message besides its payload. */
export interface MessageContext {
  readonly id: string;
  readonly topic: string;
  readonly kind: Envelope['kind'];
  readonly headers: Readonly<Record<string, string>>;
  readonly source: string;
  /** Failed tries before this one (0 the first time). */
  readonly attempt: number;
  readonly createdAt: number;
  /** Aborted when the bus closes and its deadline for in-flight handlers has passed: stop and throw. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

/**
 * Handles one message. Resolving completes it (for a request, the resolved value is the reply); throwing retries it
 * with backoff, or dead-letters it at once when the error is an UnrecoverableError.
 */
export type Handler<P = unknown, R = unknown> = (payload: P, context: MessageContext) => R | Promise<R>;

export interface NamedHandler {
  readonly name: string;
  readonly handler: Handler;
}

/** Which code runs for which message: event handlers by topic (several, each named), one handler per command type. */
export class HandlerRegistry {
  private readonly events = new Map<string, Map<string, Handler>>();
  private readonly commands = new Map<string, Handler>();
  /** handlersFor's answer per event topic, built once per change instead of once per message. */
  private readonly eventLists = new Map<string, readonly NamedHandler[]>();

  addEventHandler(topic: string, name: string, handler: Handler): void {
    let named = this.events.get(topic);
    if (named === undefined) this.events.set(topic, (named = new Map<string, Handler>()));
    if (named.has(name)) {
      throw new ResoluteError('INVALID_ARGUMENT', `a handler named "${name}" already subscribes to ${topic}: give each handler its own name`);
    }
    named.set(name, handler);
    this.eventLists.delete(topic);
  }

  removeEventHandler(topic: string, name: string): boolean {
    const named = this.events.get(topic);
    const removed = named?.delete(name) ?? false;
    if (named?.size === 0) this.events.delete(topic);
    this.eventLists.delete(topic);
    return removed;
  }

  eventHandlerCount(topic: string): number {
    return this.events.get(topic)?.size ?? 0;
  }

  setCommandHandler(type: string, handler: Handler): void {
    if (this.commands.has(type)) {
      throw new ResoluteError('INVALID_ARGUMENT', `${type} already has a handler: a command type has exactly one`);
    }
    this.commands.set(type, handler);
  }

  removeCommandHandler(type: string): boolean {
    return this.commands.delete(type);
  }

  /** The handlers for a message, or an empty list when none is registered (the message waits for one). Read-only. */
  handlersFor(envelope: Envelope): readonly NamedHandler[] {
    if (envelope.kind === 'event') {
      let list = this.eventLists.get(envelope.topic);
      if (list === undefined) {
        list = [...(this.events.get(envelope.topic) ?? [])].map(([name, handler]) => ({ name, handler }));
        // Only topics with handlers: received topics nobody handles must not grow the cache.
        if (list.length > 0) this.eventLists.set(envelope.topic, list);
      }
      return list;
    }
    const handler = this.commands.get(envelope.topic);
    return handler === undefined ? [] : [{ name: 'handle', handler }];
  }
}
