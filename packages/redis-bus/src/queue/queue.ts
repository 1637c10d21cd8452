import { EventEmitter } from 'node:events';
import { ResoluteError, type Logger } from '@resolute/core';
import { mapRedisError } from '../connection/map-redis-error.js';
import type { RedisClient, RedisConnection } from '../connection/redis-connection.js';
import { runReplicated } from '../connection/replica-wait.js';
import { assertBusName, parseArguments, toBody, type MessageBody } from './arguments.js';
import { InFlight } from './in-flight.js';
import { instanceId } from './instance-id.js';
import { MessageBuffer } from './message-buffer.js';
import { PushBatcher } from './push-batcher.js';
import { QueueConsumer, type ConsumerContext } from './queue-consumer.js';
import { KEY, queueKeys, type QueueAddress } from './queue-keys.js';
import type { QueueMessage } from './queue-message.js';
import { attachOptionsSchema, consumeOptionsSchema, type AttachOptions, type ConsumeOptions, type ResolvedQueueOptions } from './queue-options.js';
import { QueueHeartbeat } from './queue-heartbeat.js';
import { QUEUE_SCRIPTS } from './queue-scripts.js';

export interface QueueEvents {
  /** attach() succeeded; `existed` is false when this attach created the queue. */
  attached: [existed: boolean];
  /** detach() finished (the queue expires after its ttl if no one else is attached). */
  detached: [];
  /** Consuming started (true) or ended (false: stop(), `max` reached, aborted, detach or close). */
  consuming: [consuming: boolean];
  /** A consumed message (`consume()`); in reliable mode, ack it with `queue.ack(id)` or `message.ack()`. */
  message: [body: string, id: string, message: QueueMessage];
  /** A failure the queue recovers from by itself (it retries): emitted only when someone listens; always logged. */
  error: [error: ResoluteError];
  closed: [];
}

function toMs(seconds: number): number {
  return Math.max(1, Math.round(seconds * 1_000));
}

/**
 * A named message queue in Redis (busmq-style): any number of producers push, any number of consumers consume, and
 * each message is consumed once. Obtain one from `bus.queue(name)`.
 *
 * Contract:
 * - `push` resolves once Redis has applied it (on an AOF `appendfsync always` server: once it is on disk; with the
 *   connection's `replicas`: once that many replicas have it too). A push that rejects with CONNECTION_LOST, or with
 *   TIMEOUT for want of replicas, may or may not have been applied; retrying it may duplicate the message.
 * - Order: FIFO per queue, in the order Redis applied the pushes (one producer's pushes in call order). A reliable
 *   consumer that dies or lets a lease lapse puts its messages back at the head, oldest first.
 * - Default consumption is at most once (busmq): a message is deleted as it is taken. `reliable: true` is at least
 *   once: a message stays leased to one consumer until acked; each message is with one live consumer at a time.
 * - The queue's keys live while someone is attached; after the last detach they expire after `ttlSeconds`.
 */
export class Queue extends EventEmitter<QueueEvents> {
  readonly name: string;
  private readonly keys: readonly string[];
  private readonly client: RedisClient;
  private readonly inflight = new InFlight();
  private readonly batcher: PushBatcher;
  private readonly attacherId = instanceId();
  private readonly consumerId = `${this.attacherId}:consumer`;
  private ttlMs: number;
  private attached = false;
  private readonly heartbeat: QueueHeartbeat;
  private consumer: QueueConsumer | undefined;
  /** Set once this handle consumed in reliable mode: detach then unregisters its consumer id. */
  private consumedReliably = false;
  private pushedCount = 0;
  private consumedCount = 0;
  private closing: Promise<void> | undefined;

  /** @internal Use `bus.queue(name)`. */
  constructor(
    private readonly connection: RedisConnection,
    private readonly address: QueueAddress,
    private readonly options: ResolvedQueueOptions,
    private readonly logger: Logger,
  ) {
    super();
    this.name = address.display;
    this.keys = queueKeys(connection, address);
    this.client = connection.clientFor(address.tag);
    this.ttlMs = toMs(options.ttlSeconds);
    this.heartbeat = new QueueHeartbeat({
      client: this.client,
      keys: this.keys,
      name: this.name,
      attacherId: this.attacherId,
      heartbeatMs: options.heartbeatMs,
      livenessMs: options.livenessMs,
      logger,
      ttlMs: () => this.ttlMs,
      consumerId: () => (this.consumer?.reliable === true || this.inflight.size > 0 ? this.consumerId : undefined),
      beforeBeat: () => this.inflight.expire(),
      report: (error, what) => this.report(error, what),
    });
    this.batcher = new PushBatcher(async (bodies) => Number(await runReplicated(QUEUE_SCRIPTS.push, this.client, this.keys, [this.ttlMs, ...bodies], connection.options.replicas)));
  }

  /**
   * Attaches this instance: the queue is created if missing and lives as long as some instance is attached (each
   * heartbeats every `heartbeatMs`). Resolves true when the queue existed. Calling it again updates the ttl.
   */
  async attach(options?: AttachOptions): Promise<boolean> {
    this.assertOpen();
    const { ttlSeconds } = parseArguments(attachOptionsSchema, options, `${this.name} attach options`);
    const ttlMs = toMs(ttlSeconds ?? this.options.ttlSeconds);
    const existed = await this.call('attach', () => QUEUE_SCRIPTS.attach.run(this.client, this.keys, [this.attacherId, this.options.livenessMs, ttlMs]));
    this.ttlMs = ttlMs;
    this.attached = true;
    this.heartbeat.start();
    this.emit('attached', existed === 1);
    return existed === 1;
  }

  /**
   * Stops consuming (handing unacked reliable messages back to the head of the queue), then detaches. When no other
   * instance is attached, the queue and its messages expire after the ttl unless someone attaches again.
   */
  async detach(): Promise<void> {
    if (!this.attached) return;
    await this.stop();
    await this.batcher.idle();
    await this.releaseAll();
    await this.heartbeat.stop();
    this.attached = false;
    await this.call('detach', () => QUEUE_SCRIPTS.detach.run(this.client, this.keys, [this.attacherId, this.ttlMs]));
    this.emit('detached');
  }

  get isAttached(): boolean {
    return this.attached;
  }

  /** Appends a message; resolves with its id once Redis has it. Works attached or not (see `ttlSeconds`). */
  async push(message: MessageBody): Promise<string> {
    this.assertOpen();
    const body = toBody(message, `${this.name} message`);
    try {
      const id = await this.batcher.push(body);
      this.pushedCount++;
      return id;
    } catch (error) {
      throw mapRedisError(error, `${this.name}: push`);
    }
  }

  /**
   * Starts consuming: messages arrive as `message` events. Needs attach() first; one consumption per instance at a
   * time (stop() before starting another). See ConsumeOptions for max, peek (remove: false) and reliable.
   */
  consume(options?: ConsumeOptions): void {
    this.startConsumer(options, (messages) => {
      for (const message of messages) {
        try {
          this.emit('message', message.body, message.id, message);
        } catch (error) {
          this.report(new ResoluteError('HANDLER_FAILED', `${this.name}: a message listener threw: ${String(error)}`, { cause: error }), 'message listener');
        }
      }
    });
  }

  /**
   * Starts consuming into an async iterator (with backpressure: at most `prefetch` messages wait for the loop).
   * Leaving the loop stops consuming.
   */
  messages(options?: ConsumeOptions): AsyncIterableIterator<QueueMessage> {
    const parsed = parseArguments(consumeOptionsSchema, options, `${this.name} consume options`);
    const buffer = new MessageBuffer<QueueMessage>(parsed.prefetch);
    const consumer = this.startConsumer(options, (messages) => buffer.put(messages));
    consumer.ended.then(() => buffer.end(), () => buffer.end());
    return buffer.iterator(() => this.stop());
  }

  get isConsuming(): boolean {
    return this.consumer !== undefined;
  }

  /** Stops consuming. Unacked reliable messages stay leased to this instance (ack them) until detach or close. */
  async stop(): Promise<void> {
    await this.consumer?.stop();
  }

  /** Reliable mode: completes a message. False when it was no longer leased to this instance (see QueueMessage). */
  async ack(id: string): Promise<boolean> {
    assertBusName(id, 'message id');
    const [acked] = (await this.call('ack', () => QUEUE_SCRIPTS.ack.run(this.client, this.keys, [this.consumerId, id]))) as number[];
    this.inflight.settle(id);
    return acked === 1;
  }

  /** Reliable mode: puts a message back at the head of the queue now (for another delivery). */
  async nack(id: string): Promise<boolean> {
    assertBusName(id, 'message id');
    const released = await this.call('nack', () => QUEUE_SCRIPTS.release.run(this.client, this.keys, [this.consumerId, 'ids', id]));
    this.inflight.settle(id);
    return released === 1;
  }

  /** Removes every message, waiting and leased. Resolves with how many were removed. */
  async flush(): Promise<number> {
    const removed = await this.call('flush', () => QUEUE_SCRIPTS.flush.run(this.client, this.keys, []));
    this.inflight.clear();
    return Number(removed);
  }

  /** True while the queue exists (attached, or within its ttl after the last detach or push). */
  async exists(): Promise<boolean> {
    return (await this.call('exists', () => this.client.exists(this.keys[KEY.meta]!))) === 1;
  }

  /** Messages waiting to be consumed (leased ones not included). */
  async count(): Promise<number> {
    return this.call('count', () => this.client.llen(this.keys[KEY.list]!));
  }

  /** The queue's ttl in seconds (how long it lives without attachers), or undefined when it does not exist. */
  async ttl(): Promise<number | undefined> {
    const ms = await this.call('ttl', () => this.client.hget(this.keys[KEY.meta]!, 'ttl'));
    return ms === null ? undefined : Number(ms) / 1_000;
  }

  /** Gets a metadata value (undefined when unset), or sets one (the queue must exist: attach first). */
  metadata(key: string): Promise<string | undefined>;
  metadata(key: string, value: string): Promise<void>;
  async metadata(key: string, value?: string): Promise<string | undefined | void> {
    assertBusName(key, 'metadata key');
    if (value === undefined) {
      const got = await this.call('metadata', () => this.client.hget(this.keys[KEY.meta]!, `m:${key}`));
      return got ?? undefined;
    }
    if (typeof value !== 'string') throw new ResoluteError('INVALID_ARGUMENT', `${this.name}: a metadata value must be a string (serialise it first)`, { retryable: false });
    const set = await this.call('metadata', () => QUEUE_SCRIPTS.setMetadata.run(this.client, this.keys, [key, value]));
    if (set !== 1) throw new ResoluteError('NOT_STARTED', `${this.name} does not exist: attach() (or push) before setting metadata`, { retryable: false });
  }

  /** Messages this instance pushed. */
  pushed(): number {
    return this.pushedCount;
  }

  /** Messages this instance consumed (delivered to it; redeliveries count again). */
  consumed(): number {
    return this.consumedCount;
  }

  /** Deletes the queue and all its messages and metadata now, for every attacher (busmq's `close`). */
  async destroy(): Promise<void> {
    await this.stop();
    await this.batcher.idle();
    await this.heartbeat.stop();
    const wasAttached = this.attached;
    this.attached = false;
    this.inflight.clear();
    await this.call('destroy', () => QUEUE_SCRIPTS.destroy.run(this.client, this.keys, []));
    if (wasAttached) this.emit('detached');
  }

  /**
   * Stops consuming, waits for pending pushes, hands unacked reliable messages back and detaches. The queue and its
   * messages stay (see `destroy`). Safe to call twice; never rejects (a failure is logged and emitted).
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.detach();
        await this.releaseAll();
      } catch (error) {
        this.report(error, 'close');
      } finally {
        await this.heartbeat.stop();
        this.emit('closed');
      }
    })();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private startConsumer(input: ConsumeOptions | undefined, sink: (messages: QueueMessage[]) => void | Promise<void>): QueueConsumer {
    this.assertOpen();
    const options = parseArguments(consumeOptionsSchema, input, `${this.name} consume options`);
    if (!this.attached) throw new ResoluteError('NOT_STARTED', `${this.name}: attach() before consuming`, { retryable: false });
    if (this.consumer) throw new ResoluteError('INVALID_ARGUMENT', `${this.name} is already consuming: stop() it first`, { retryable: false });
    const counted = (messages: QueueMessage[]): void | Promise<void> => {
      this.consumedCount += messages.length;
      return sink(messages);
    };
    const consumer = new QueueConsumer(this.context(), options, counted, () => {
      if (this.consumer === consumer) this.consumer = undefined;
      this.emit('consuming', false);
    });
    this.consumer = consumer;
    if (options.reliable) this.consumedReliably = true;
    consumer.start();
    this.emit('consuming', true);
    return consumer;
  }

  private context(): ConsumerContext {
    return {
      connection: this.connection,
      client: this.client,
      keys: this.keys,
      address: this.address,
      consumerId: this.consumerId,
      livenessMs: this.options.livenessMs,
      inflight: this.inflight,
      report: (error, what) => this.report(error, what),
      message: ({ id, raw, attempt }, reliable) => ({
        id,
        raw,
        body: raw.toString('utf8'),
        attempt,
        ack: () => (reliable ? this.ack(id) : Promise.resolve(true)),
        nack: () => (reliable ? this.nack(id) : Promise.resolve(false)),
      }),
    };
  }

  /** Hands back every message leased to this handle (held, or taken with a lost reply) and unregisters it. */
  private async releaseAll(): Promise<void> {
    if (!this.consumedReliably) return;
    this.consumedReliably = false;
    await this.call('release', () => QUEUE_SCRIPTS.release.run(this.client, this.keys, [this.consumerId, 'all']));
    this.inflight.clear();
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw mapRedisError(error, `${this.name}: ${what}`);
    }
  }

  private report(error: unknown, what: string): void {
    const mapped = mapRedisError(error, `${this.name}: ${what}`);
    this.logger.warn({ err: mapped, queue: this.name }, `queue: ${what} failed`);
    if (this.listenerCount('error') > 0) this.emit('error', mapped);
  }

  private assertOpen(): void {
    if (this.closing) throw new ResoluteError('BUS_CLOSED', `${this.name} is closed: get a new one from bus.queue(name)`, { retryable: false });
  }
}
