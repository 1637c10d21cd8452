import { createEnvelope, assertName, withoutPayload, type Envelope, type MessageKind } from '../envelope.js';
import { ResoluteError, serializeError } from '../errors.js';
import { faultPoint } from '../fault-points.js';
import { childLogger, type Logger } from '../logger.js';
import { NAMESPACES, putOp, type StoreOperation } from '../store.js';
import { destinationKey, type Destination } from '../transport.js';
import { BusEvents, type BusEventMap, type BusEventName } from './bus-events.js';
import { resolveBusOptions, type BusOptions, type ResolvedBusOptions } from './bus-options.js';
import { DEAD_HEADERS } from './dead-letters.js';
import { startDedupeSweeper } from './dedupe.js';
import { Dispatcher, type HandlingResult } from './dispatcher.js';
import { HandlerRegistry, type Handler } from './handler-registry.js';
import { DirectSender } from './direct-sender.js';
import { InboxWriter } from './inbox-writer.js';
import { OutboxRelay, outboxKey, type PreparedDelivery } from './outbox-relay.js';
import { ERROR_HEADER, PendingRequests } from './pending-requests.js';
import { BusStatsCollector, type BusStats } from './bus-stats.js';
import { SubscriptionTable } from './subscription-table.js';

/** Control commands a subscriber sends to a publisher on publisher-routed transports (they travel like any command). */
export const CONTROL = { subscribe: '$resolute.subscribe', unsubscribe: '$resolute.unsubscribe' } as const;

export interface SendOptions {
  headers?: Record<string, string>;
}

export interface RequestOptions extends SendOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface SubscribeOptions {
  /**
   * Publisher-routed transports: the endpoint (name from `endpoints`, or address) that publishes the topic. The
   * subscription request is a reliable message: it waits in this bus's outbox until that publisher stores it.
   * Omitted: this bus's own publishes. Ignored by brokered transports, whose broker routes by topic.
   */
  from?: string;
  /** Names the handler so its completions are tracked apart from other handlers of the topic. Default: topic#n. */
  name?: string;
}

export interface Receipt {
  /** The message id. */
  id: string;
  /**
   * Deliveries: 1 per subscriber on publisher-routed transports, 1 otherwise, 0 if nobody subscribes. Each is an outbox
   * entry, or with `outbox.direct` a send to the broker (an outbox entry only if the broker refused it).
   */
  deliveries: number;
}

export interface Subscription {
  readonly topic: string;
  readonly name: string;
  /** Stops this handler; when it was the topic's last handler, also cancels the subscription at the publisher/broker. */
  unsubscribe(): Promise<void>;
}

/**
 * What most completions add: nothing. One shared value instead of two fresh arrays per handled message; nobody
 * writes into it (the dispatcher only spreads and iterates it).
 */
const NOTHING_MORE: Completion = Object.freeze({ operations: Object.freeze([]), deliveries: Object.freeze([]) });

/** What a completion adds to the batch that records it. Read-only: NOTHING_MORE is shared. */
type Completion = { readonly operations: readonly StoreOperation[]; readonly deliveries: readonly PreparedDelivery[] };

export class Bus implements AsyncDisposable {
  readonly name: string;
  private readonly options: ResolvedBusOptions;
  private readonly logger: Logger;
  private readonly events: BusEvents;
  private readonly registry = new HandlerRegistry();
  private readonly requests = new PendingRequests();
  private readonly subscriptions: SubscriptionTable;
  private readonly relay: OutboxRelay;
  /** With `outbox.direct`; see DirectSender. */
  private readonly direct: DirectSender | undefined;
  private readonly dispatcher: Dispatcher;
  private readonly inbox: InboxWriter;
  private readonly stats_: BusStatsCollector;
  private stopSweeper: (() => Promise<void>) | undefined;
  private closing: Promise<void> | undefined;
  private handlerCounter = 0;

  /** Use `createBus`, which also starts the bus. */
  constructor(options: BusOptions) {
    this.options = resolveBusOptions(options);
    this.name = this.options.name;
    this.logger = childLogger(this.options.logger, { bus: this.name });
    this.events = new BusEvents((error) => this.logger.error({ err: error }, 'a bus event listener threw'));
    this.stats_ = new BusStatsCollector(this.events);
    const { store, transport, codec } = this.options;
    this.subscriptions = new SubscriptionTable(store);
    this.relay = new OutboxRelay(store, transport, codec, this.options.outbox, this.events, this.logger);
    if (this.options.outbox.direct) this.direct = new DirectSender(store, transport, this.relay, this.events, this.options.outbox);
    this.dispatcher = new Dispatcher(
      store,
      codec,
      this.registry,
      this.options.inbox,
      this.events,
      this.logger,
      (envelope, result) => this.afterHandling(envelope, result),
      (deliveries) => this.relay.offer(deliveries),
    );
    this.inbox = new InboxWriter(store, codec, this.dispatcher, this.options.inbox.ack, this.events, this.logger, (reply) => {
      if (!this.requests.deliver(reply)) this.logger.debug({ correlationId: reply.correlationId }, 'reply nobody waits for: dropped');
    });
    this.registry.setCommandHandler(CONTROL.subscribe, (payload) => this.controlSubscription(payload, true));
    this.registry.setCommandHandler(CONTROL.unsubscribe, (payload) => this.controlSubscription(payload, false));
  }

  /** How other buses reach this one (valid once started). */
  get address(): string {
    return this.options.transport.address;
  }

  get capabilities(): Bus['options']['transport']['capabilities'] {
    return this.options.transport.capabilities;
  }

  /** Opens the store, starts the transport, resumes what an earlier run left in the outbox and inbox. */
  async start(): Promise<void> {
    const { store, transport } = this.options;
    await store.open();
    try {
      await this.inbox.loadStoredUpTo();
      await this.subscriptions.load();
      await transport.start({ endpoint: this.name, receive: this.inbox.receive, logger: this.logger });
      await this.relay.start();
      this.dispatcher.start();
      this.stopSweeper = startDedupeSweeper(store, this.options.inbox.dedupeRetentionMs, this.options.inbox.dedupeSweepIntervalMs, this.logger);
    } catch (error) {
      await transport.close().catch(() => undefined);
      await store.close().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Publishes an event. Resolves once it is durably in the outbox, or with `outbox.direct` once the broker has it (not
   * when subscribers have it).
   */
  async publish<P>(topic: string, payload: P, options: SendOptions = {}): Promise<Receipt> {
    this.assertOpen();
    const envelope = this.envelope('event', topic, payload, options.headers);
    const destinations: Destination[] =
      this.capabilities.routing === 'broker'
        ? [{ type: 'topic', topic }]
        : this.subscriptions.subscribers(topic).map((address) => ({ type: 'endpoint', address }));
    if (destinations.length === 0) {
      this.events.emit('unrouted', { id: envelope.id, topic });
      return { id: envelope.id, deliveries: 0 };
    }
    await this.write(envelope, destinations);
    return { id: envelope.id, deliveries: destinations.length };
  }

  /** Sends a command to one endpoint. Resolves once it is durably in the outbox (or, `outbox.direct`, in the broker). */
  async send<P>(endpoint: string, type: string, payload: P, options: SendOptions = {}): Promise<Receipt> {
    this.assertOpen();
    const envelope = this.envelope('command', type, payload, options.headers);
    await this.write(envelope, [{ type: 'endpoint', address: this.resolve(endpoint) }]);
    return { id: envelope.id, deliveries: 1 };
  }

  /** Sends a request and resolves with the reply's payload; rejects with TIMEOUT, ABORTED or the handler's error. */
  async request<R = unknown, P = unknown>(endpoint: string, type: string, payload: P, options: RequestOptions = {}): Promise<R> {
    this.assertOpen();
    if (!this.capabilities.requestReply) {
      throw new ResoluteError('UNSUPPORTED', `the ${this.options.transport.type} transport cannot route replies: use send() and a reply command, or a transport with requestReply`, { retryable: false });
    }
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;
    const envelope = createEnvelope({
      kind: 'request',
      topic: type,
      payload,
      source: this.name,
      headers: options.headers,
      replyTo: this.address,
      expiresAt: Date.now() + timeoutMs,
    });
    const reply = this.requests.wait(envelope.id, type, timeoutMs, options.signal);
    try {
      await this.write(envelope, [{ type: 'endpoint', address: this.resolve(endpoint) }]);
    } catch (error) {
      this.requests.cancel(envelope.id, error);
    }
    return (await reply) as R;
  }

  /** Runs `handler` for every event on `topic` that reaches this bus. */
  async subscribe<P>(topic: string, handler: Handler<P>, options: SubscribeOptions = {}): Promise<Subscription> {
    this.assertOpen();
    assertName(topic, 'topic');
    const name = options.name ?? `${topic}#${++this.handlerCounter}`;
    this.registry.addEventHandler(topic, name, handler as Handler);
    try {
      await this.subscribeRoute(topic, options.from, true);
    } catch (error) {
      this.registry.removeEventHandler(topic, name);
      throw error;
    }
    this.dispatcher.handlerAdded(topic);
    return {
      topic,
      name,
      unsubscribe: async () => {
        if (!this.registry.removeEventHandler(topic, name)) return;
        if (this.registry.eventHandlerCount(topic) === 0 && !this.closing) await this.subscribeRoute(topic, options.from, false);
      },
    };
  }

  /** Handles commands and requests of one type (for a request, the handler's result is the reply). */
  handle<P, R = unknown>(type: string, handler: Handler<P, R>): { unregister(): void } {
    this.assertOpen();
    assertName(type, 'type');
    if (type.startsWith('$resolute.')) throw new ResoluteError('INVALID_ARGUMENT', `${type}: types starting with $resolute. are reserved`);
    this.registry.setCommandHandler(type, handler as Handler);
    this.dispatcher.handlerAdded(type);
    return { unregister: () => void this.registry.removeCommandHandler(type) };
  }

  on<E extends BusEventName>(event: E, listener: (data: BusEventMap[E]) => void): () => void {
    return this.events.on(event, listener);
  }

  stats(): BusStats {
    return this.stats_.snapshot({ outboxInMemory: this.relay.pendingInMemory, inboxInMemory: this.dispatcher.inMemory, pendingRequests: this.requests.size });
  }

  /**
   * Stops taking messages, lets running handlers and sends finish (up to `closeTimeoutMs`, then aborts them: what was
   * not acknowledged stays in the store for the next start), closes the transport, then the store. Safe to call twice.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async shutdown(): Promise<void> {
    const deadline = Date.now() + this.options.closeTimeoutMs;
    this.inbox.close();
    await this.dispatcher.close(deadline);
    // Before the relay: what a direct send fails to deliver is handed to it.
    await this.direct?.close(deadline);
    await this.relay.close(deadline);
    this.requests.rejectAll(new ResoluteError('BUS_CLOSED', 'bus closed before the reply arrived'));
    await this.stopSweeper?.();
    await this.options.transport.close();
    await this.options.store.close();
  }

  private assertOpen(): void {
    if (this.closing) throw new ResoluteError('BUS_CLOSED', `bus ${this.name} is closed: create a new one`);
  }

  private resolve(endpoint: string): string {
    const address = this.options.endpoints[endpoint] ?? endpoint;
    assertName(address, 'endpoint');
    return address;
  }

  private envelope<P>(kind: MessageKind, topic: string, payload: P, headers?: Record<string, string>): Envelope<P> {
    return createEnvelope({ kind, topic, payload, source: this.name, headers });
  }

  /** `header`: the envelope without its payload (withoutPayload), which is in `bytes`. */
  private prepare(header: Envelope, destination: Destination, bytes: Buffer): { operation: StoreOperation; delivery: PreparedDelivery } {
    const destKey = destinationKey(destination);
    const key = outboxKey(destKey, header.id);
    return { operation: putOp(NAMESPACES.outbox, key, bytes), delivery: { key, destinationKey: destKey, envelope: header, bytes } };
  }

  /**
   * One durable batch for every delivery of the message, then hand them to the relay; with `outbox.direct`, to the
   * broker first (DirectSender decides, and writes to the outbox what the broker refuses).
   */
  private async write(envelope: Envelope, destinations: Destination[]): Promise<void> {
    const bytes = this.options.codec.encode(envelope);
    const header = withoutPayload(envelope);
    const prepared = destinations.map((d) => this.prepare(header, d, bytes));
    const operations = prepared.map((p) => p.operation);
    const deliveries = prepared.map((p) => p.delivery);
    if (this.direct === undefined) await this.writeOutbox(operations, deliveries);
    else await this.direct.write(operations, deliveries, this.writeOutbox);
  }

  private readonly writeOutbox = async (operations: StoreOperation[], deliveries: PreparedDelivery[]): Promise<void> => {
    await this.options.store.batch(operations);
    faultPoint('after-outbox-write');
    const { envelope } = deliveries[0]!;
    this.events.emit('published', { id: envelope.id, topic: envelope.topic, kind: envelope.kind, deliveries: deliveries.length });
    this.relay.offer(deliveries);
  };

  private async subscribeRoute(topic: string, from: string | undefined, subscribe: boolean): Promise<void> {
    const { transport } = this.options;
    if (transport.capabilities.routing === 'broker') {
      await (subscribe ? transport.subscribe?.(topic) : transport.unsubscribe?.(topic));
      return;
    }
    const publisher = from === undefined ? this.address : this.resolve(from);
    if (publisher === this.address) {
      await (subscribe ? this.subscriptions.add(topic, this.address) : this.subscriptions.remove(topic, this.address));
      return;
    }
    const envelope = this.envelope('command', subscribe ? CONTROL.subscribe : CONTROL.unsubscribe, { topic, address: this.address });
    await this.write(envelope, [{ type: 'endpoint', address: publisher }]);
  }

  private async controlSubscription(payload: unknown, subscribe: boolean): Promise<void> {
    const { topic, address } = (payload ?? {}) as { topic?: unknown; address?: unknown };
    if (typeof topic !== 'string' || typeof address !== 'string') {
      throw new ResoluteError('UNRECOVERABLE', 'subscription request without topic and address', { retryable: false });
    }
    assertName(topic, 'topic');
    assertName(address, 'address');
    if (subscribe) await this.subscriptions.add(topic, address);
    else await this.subscriptions.remove(topic, address);
    this.logger.info({ topic, address }, subscribe ? 'subscriber added' : 'subscriber removed');
  }

  /** What the outbox gets in the batch that completes or dead-letters a message: a reply, a dead-letter copy. */
  private afterHandling(envelope: Envelope, result: HandlingResult): Completion {
    const reply = this.replyFor(envelope, result);
    if (result.ok || result.dead === undefined || this.options.deadLetters.forwardTo === undefined) return reply;
    const forward = this.deadLetterCopy(envelope, result.error, result.dead.attempts, this.options.deadLetters.forwardTo);
    return { operations: [...reply.operations, forward.operation], deliveries: [...reply.deliveries, forward.delivery] };
  }

  private deadLetterCopy(original: Envelope, error: unknown, attempts: number, forwardTo: string): { operation: StoreOperation; delivery: PreparedDelivery } {
    const serialized = serializeError(error);
    const envelope = createEnvelope({
      kind: 'command',
      topic: original.topic,
      payload: original.payload,
      source: this.name,
      headers: {
        ...original.headers,
        [DEAD_HEADERS.id]: original.id,
        [DEAD_HEADERS.kind]: original.kind,
        [DEAD_HEADERS.source]: original.source,
        [DEAD_HEADERS.attempts]: String(attempts),
        [DEAD_HEADERS.error]: JSON.stringify({ code: serialized.code, message: serialized.message, name: serialized.name }),
      },
    });
    return this.prepare(withoutPayload(envelope), { type: 'endpoint', address: this.resolve(forwardTo) }, this.options.codec.encode(envelope));
  }

  /** The reply a handled request owes its requester, written in the same batch that completes the request. */
  private replyFor(request: Envelope, result: HandlingResult): Completion {
    if (request.kind !== 'request' || request.replyTo === undefined) return NOTHING_MORE;
    const common = { kind: 'reply' as const, topic: request.topic, source: this.name, correlationId: request.id, expiresAt: request.expiresAt, headers: { traceparent: request.headers.traceparent ?? '' } };
    let reply = createEnvelope({ ...common, payload: result.ok ? result.value : undefined });
    let bytes: Buffer;
    try {
      if (!result.ok) throw result.error;
      bytes = this.options.codec.encode(reply);
    } catch (error) {
      reply = createEnvelope({ ...common, payload: undefined, headers: { ...common.headers, [ERROR_HEADER]: JSON.stringify(serializeError(error)) } });
      bytes = this.options.codec.encode(reply);
    }
    const { operation, delivery } = this.prepare(withoutPayload(reply), { type: 'endpoint', address: request.replyTo }, bytes);
    return { operations: [operation], deliveries: [delivery] };
  }
}

/** Creates a bus and starts it: store opened, transport up, leftovers of an earlier run resumed. */
export async function createBus(options: BusOptions): Promise<Bus> {
  const bus = new Bus(options);
  await bus.start();
  return bus;
}
