import type { Envelope } from './envelope.js';
import type { ResoluteError } from './errors.js';
import type { Logger } from './logger.js';

/**
 * Who fans an event out to its subscribers.
 * - `publisher`: the publishing bus keeps the subscriber list and sends one delivery per subscriber (zmq-peer).
 * - `broker`: the transport's broker keeps per-subscriber queues; the bus sends one message per publish to the topic
 *   and calls `subscribe(topic)` to get its own queue bound (redis-bus, amqp-adapter).
 */
export type Routing = 'publisher' | 'broker';

export interface TransportCapabilities {
  readonly routing: Routing;
  /** The transport itself keeps messages for a receiver that is down (a broker queue). */
  readonly durable: boolean;
  /** Between one sender and one receiver, messages arrive in send order when nothing fails. */
  readonly ordered: boolean;
  /** Replies can be routed back to `replyTo` addresses, so `bus.request` works. */
  readonly requestReply: boolean;
  /** The most messages `send` takes in one call. */
  readonly maxBatch: number;
}

export type Destination =
  | { readonly type: 'endpoint'; readonly address: string }
  | { readonly type: 'topic'; readonly topic: string };

export interface OutgoingMessage {
  readonly destination: Destination;
  /**
   * Read-only: for routing keys, message-id properties and logs. Transports send `bytes`, not this; its `payload` is
   * undefined (the bus does not keep decoded payloads of messages waiting to be sent).
   */
  readonly envelope: Envelope;
  /** The encoded envelope: what the receiving bus decodes. */
  readonly bytes: Buffer;
}

/** Per-message result of `send`. A failed message stays in the sender's outbox and is tried again later. */
export type SendOutcome = { readonly ok: true } | { readonly ok: false; readonly error: ResoluteError };

export interface IncomingMessage {
  /**
   * The encoded envelope. May be a view into a larger buffer the transport received (a whole batch): the bus copies
   * what it keeps past the `receive` call, so a transport need not copy each message out. A transport must not
   * overwrite these bytes afterwards.
   */
  readonly bytes: Buffer;
}

/**
 * The bus's side of receiving. Resolves once every message of the batch is safe on the receiving side: durably in its
 * inbox (or deliberately set aside as corrupt), or — with the bus option `inbox.ack: 'handled'` — handled and its
 * outcome recorded. Only then may the transport acknowledge the batch to its sender or broker. Rejects when that could
 * not be done: the transport must not acknowledge the batch, so it is delivered again. With `ack: 'handled'` a call
 * lasts as long as the batch's handlers: a transport that redelivers unacknowledged messages after a lease or timeout
 * should make that time longer than its handlers take.
 */
export type Receiver = (batch: readonly IncomingMessage[]) => Promise<void>;

export interface TransportStartContext {
  /** The bus's name (an endpoint name on brokered transports). */
  readonly endpoint: string;
  readonly receive: Receiver;
  readonly logger: Logger;
}

/**
 * Moves encoded envelopes and acknowledgements, nothing more: no retries, no dead letters, no dedupe (the pipeline in
 * core does those once for every backend).
 */
export interface Transport {
  /** The transport's type name, as in config (`zmq-peer`, `memory`, ...). */
  readonly type: string;
  readonly capabilities: TransportCapabilities;

  /**
   * Binds/connects and starts handing received batches to `context.receive`. Resolves once this endpoint can send
   * and receive, with `address` set. Rejects with a ResoluteError (UNREACHABLE, AUTH_FAILED, INVALID_CONFIG) if it
   * cannot start; a transport that could start but later loses its peer or broker reconnects by itself.
   */
  start(context: TransportStartContext): Promise<void>;

  /**
   * How other buses reach this one: the value they put in `Destination.address` or `replyTo` (a tcp:// URL for
   * zmq-peer, an endpoint name for brokered transports). Valid after `start`.
   */
  readonly address: string;

  /**
   * Sends a batch (at most `capabilities.maxBatch`). Resolves with one outcome per message, in the same order, once
   * each message is acknowledged: by the receiving bus (its inbox has it) on publisher-routed transports, by the
   * broker (it has stored it) on brokered ones. Never rejects for a message's failure: that is a failed outcome with a
   * retryable error (UNREACHABLE, TIMEOUT, BACKPRESSURE, CONNECTION_LOST). Messages sent in one call to one
   * destination keep their order when the transport is `ordered`.
   * Aborting the signal settles every outcome not yet acknowledged as failed with ABORTED (the message may still
   * arrive: the receiver's dedupe absorbs the duplicate). After `close` every outcome fails with CONNECTION_LOST.
   */
  send(batch: readonly OutgoingMessage[], options?: { signal?: AbortSignal }): Promise<SendOutcome[]>;

  /**
   * Brokered transports only: make the broker route future events on `topic` to this endpoint's durable queue.
   * Resolves once the binding is in place. Idempotent.
   */
  subscribe?(topic: string): Promise<void>;

  /** Brokered transports only: undo `subscribe`. Messages already queued stay queued. Idempotent. */
  unsubscribe?(topic: string): Promise<void>;

  /**
   * Stops receiving (no new `receive` calls), waits for the `receive` calls in progress so their acknowledgements go
   * out, settles pending sends (unacknowledged ones as failed), then releases sockets and connections. Messages
   * already acknowledged by the receiver or broker are not affected. Safe to call twice.
   */
  close(): Promise<void>;
}

export function destinationKey(destination: Destination): string {
  return destination.type === 'endpoint' ? `e:${destination.address}` : `t:${destination.topic}`;
}

export function destinationFromKey(key: string): Destination {
  return key.startsWith('t:') ? { type: 'topic', topic: key.slice(2) } : { type: 'endpoint', address: key.slice(2) };
}
