import {
  assertName,
  childLogger,
  ResoluteError,
  silentLogger,
  type Logger,
  type OutgoingMessage,
  type SendOutcome,
  type Transport,
  type TransportCapabilities,
  type TransportStartContext,
} from '@resolute/core';
import { AmqpConnector } from './amqp-connector.js';
import { parseAmqpOptions, type AmqpOptions, type AmqpOptionsInput } from './amqp-options.js';
import type { Session } from './amqp-session.js';
import { emptyStats, type AmqpStats } from './amqp-stats.js';
import { BatchConsumer } from './batch-consumer.js';
import { ConfirmPublisher } from './confirm-publisher.js';
import { mapAmqpError } from './map-amqp-error.js';
import { declareOwnTopology, queueName } from './topology.js';

/**
 * A broker-routed Transport over RabbitMQ. Events go to a durable topic exchange with the topic as routing key;
 * each endpoint owns one durable queue (`<queuePrefix><endpoint>`) bound to the topics it subscribes to; commands,
 * requests and replies go to the destination endpoint's queue through the default exchange (mandatory, so an
 * unroutable message is a failed outcome, never a silent drop). Every message is persistent, published on a confirm
 * channel, and `send` resolves per message on the broker's confirm. Deliveries are acked only once the bus has them
 * in its inbox. The connection is re-dialled with backoff and the topology (exchange, queue, bindings, consumer)
 * declared again after every reconnect.
 */
export class AmqpTransport implements Transport {
  readonly type = 'amqp-adapter';
  readonly capabilities: TransportCapabilities;
  readonly options: AmqpOptions;
  private readonly injectedLogger: Logger | undefined;
  private logger: Logger = silentLogger;
  private endpoint: string | undefined;
  private connector: AmqpConnector | undefined;
  private publisher: ConfirmPublisher | undefined;
  private consumer: BatchConsumer | undefined;
  private readonly topics = new Set<string>();
  private readonly counters: AmqpStats = emptyStats();
  private closing: Promise<void> | undefined;

  constructor(options: AmqpOptionsInput = {}) {
    const { logger, ...rest } = options;
    this.options = parseAmqpOptions(rest);
    this.injectedLogger = logger;
    // Not `ordered`: a nacked or returned message is resent after later ones were confirmed, and a refused batch is
    // requeued behind newer deliveries.
    this.capabilities = { routing: 'broker', durable: true, ordered: false, requestReply: true, maxBatch: this.options.maxBatch };
  }

  /** The endpoint name: other buses send to it, and its queue is `<queuePrefix><address>`. */
  get address(): string {
    if (this.endpoint === undefined) throw new ResoluteError('NOT_STARTED', 'amqp-adapter: address is known once started: await start() first');
    return this.endpoint;
  }

  /** This endpoint's queue on the broker. */
  get queue(): string {
    return queueName(this.options, this.address);
  }

  stats(): Readonly<AmqpStats> & { inFlight: number } {
    return { ...this.counters, connects: this.connector?.connects ?? 0, inFlight: this.publisher?.inFlight ?? 0 };
  }

  async start(context: TransportStartContext): Promise<void> {
    if (this.connector !== undefined) throw new ResoluteError('INVALID_ARGUMENT', 'amqp-adapter: start() called twice: create a new transport');
    assertName(context.endpoint, 'endpoint');
    this.endpoint = context.endpoint;
    const ownQueue = queueName(this.options, context.endpoint);
    if (Buffer.byteLength(ownQueue) > 255) throw new ResoluteError('INVALID_CONFIG', `amqp-adapter: queue name ${ownQueue} is longer than AMQP's 255 bytes: use a shorter queuePrefix or endpoint name`, { retryable: false });
    this.logger = childLogger(this.injectedLogger ?? context.logger, { transport: 'amqp-adapter' });
    const connector = new AmqpConnector(this.options, this.logger, context.endpoint, {
      ready: async (session) => {
        await declareOwnTopology(session.consume, this.options, ownQueue, this.topics);
        await this.consumer!.attach(session, ownQueue);
      },
      lost: (session, error) => {
        this.publisher?.sessionLost(session, error);
        this.consumer?.sessionLost(session);
      },
    });
    this.connector = connector;
    this.publisher = new ConfirmPublisher(this.options, connector, this.counters);
    this.consumer = new BatchConsumer(this.options, context.receive, this.counters, this.logger, (session: Session) => connector.drop(session, new Error('consumer cancelled by the broker')));
    await connector.start();
  }

  async send(batch: readonly OutgoingMessage[], options: { signal?: AbortSignal } = {}): Promise<SendOutcome[]> {
    if (batch.length > this.options.maxBatch) {
      const error = new ResoluteError('INVALID_ARGUMENT', `amqp-adapter: a send takes at most ${this.options.maxBatch} messages (capabilities.maxBatch)`, { retryable: false });
      return batch.map(() => ({ ok: false, error }));
    }
    if (this.publisher === undefined || this.closing !== undefined) {
      const error = new ResoluteError('CONNECTION_LOST', 'amqp-adapter: the transport is not started or is closed: the message stays in the outbox');
      return batch.map(() => ({ ok: false, error }));
    }
    return this.publisher.send(batch, options.signal);
  }

  /** Binds this endpoint's queue to `topic` on the events exchange (remembered: bound again after a reconnect). */
  async subscribe(topic: string): Promise<void> {
    assertName(topic, 'topic');
    this.topics.add(topic);
    await this.onBroker(`binding ${topic}`, (session) => session.consume.bindQueue(this.queue, this.options.exchange, topic));
  }

  /** Unbinds `topic`; messages already in the queue stay there. */
  async unsubscribe(topic: string): Promise<void> {
    this.topics.delete(topic);
    await this.onBroker(`unbinding ${topic}`, (session) => session.consume.unbindQueue(this.queue, this.options.exchange, topic));
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async shutdown(): Promise<void> {
    await this.consumer?.stop();
    await this.publisher?.close(this.options.closeTimeoutMs);
    await this.connector?.close();
    this.logger.info({ endpoint: this.endpoint }, 'amqp transport closed');
  }

  /**
   * Runs a topology change on the live session. If there is none (reconnecting), the change is already remembered
   * and applied by the next session's recovery, so waiting for that session is enough.
   */
  private async onBroker(what: string, change: (session: Session) => Promise<unknown>): Promise<void> {
    const connector = this.connector;
    if (connector === undefined) throw new ResoluteError('NOT_STARTED', `amqp-adapter: ${what}: start the transport first`);
    const deadline = Date.now() + this.options.sendTimeoutMs;
    for (;;) {
      const session = await connector.waitForSession(Math.max(1, deadline - Date.now()));
      if (session === undefined) throw new ResoluteError('UNREACHABLE', `amqp-adapter: ${what}: not connected to the broker within ${this.options.sendTimeoutMs} ms: try again`);
      try {
        await change(session);
        return;
      } catch (error) {
        // The session died under us: the recovery of the next one applies the change. Anything else is a real refusal.
        if (!session.dead || Date.now() >= deadline) throw mapAmqpError(error, `amqp-adapter: ${what}`);
      }
    }
  }
}
