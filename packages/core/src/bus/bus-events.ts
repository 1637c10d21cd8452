import { EventEmitter } from 'node:events';

/**
 * Lifecycle and metric events. Listeners are for logs and metrics: they run synchronously on the hot path, so keep
 * them cheap, and an exception thrown by one is caught and logged, never breaking delivery.
 */
export interface BusEventMap {
  /**
   * A publish/send is durably in the outbox, or with `outbox.direct` the broker or the outbox has each delivery
   * (`deliveries`: one per destination).
   */
  published: { id: string; topic: string; kind: string; deliveries: number };
  /** The transport acknowledged a delivery; it left the outbox (or, sent direct, never needed it). */
  delivered: { id: string; destination: string };
  /** Sending to a destination failed; its lane retries after `retryInMs` (0: a refused direct send, now in the outbox). */
  'send-failed': { destination: string; count: number; error: unknown; retryInMs: number };
  /** A request or reply whose deadline passed before it could be delivered; removed from the outbox. */
  expired: { id: string; destination: string };
  /** A message was written to the inbox (and acknowledged to its sender). */
  received: { id: string; topic: string; kind: string };
  /** A message arrived that was already received or handled: acknowledged, not stored again. */
  duplicate: { id: string; topic: string };
  /** Every handler completed; the message left the inbox. */
  handled: { id: string; topic: string; attempts: number; durationMs: number };
  /** A handler failed; the message is tried again after `delayMs`. */
  retry: { id: string; topic: string; attempt: number; delayMs: number; error: unknown };
  /** A message gave up: it is in the dead-letter namespace with its last error. */
  dead: { id: string; topic: string; error: unknown };
  /** An event was published with no subscriber to deliver it to. */
  unrouted: { id: string; topic: string };
  /** Bytes that could not be decoded were set aside in the corrupt namespace. */
  corrupt: { namespace: string; key: string };
  /** A message is waiting for a handler to be registered for its topic or type. */
  parked: { id: string; topic: string };
  /** Something went wrong that the bus handled by itself (logged too). */
  warning: { message: string; error?: unknown };
}

export type BusEventName = keyof BusEventMap;

export class BusEvents {
  private readonly emitter = new EventEmitter();

  constructor(private readonly onListenerError: (error: unknown) => void) {
    this.emitter.setMaxListeners(100);
  }

  on<E extends BusEventName>(event: E, listener: (data: BusEventMap[E]) => void): () => void {
    const safe = (data: BusEventMap[E]): void => {
      try {
        listener(data);
      } catch (error) {
        this.onListenerError(error);
      }
    };
    this.emitter.on(event, safe);
    return () => void this.emitter.off(event, safe);
  }

  emit<E extends BusEventName>(event: E, data: BusEventMap[E]): void {
    if (this.emitter.listenerCount(event) > 0) this.emitter.emit(event, data);
  }
}
