import { EventEmitter } from 'node:events';
import { ResoluteError, silentLogger, type Logger } from '@resolute/core';
import { RedisConnection, type OpenRedisOptions } from './connection/redis-connection.js';
import { CONNECTION_FIELDS, parseWith, type RedisConnectionInput } from './connection/redis-options.js';
import { Channel } from './channel/channel.js';
import { channelOptionsSchema, type ChannelOptions } from './channel/channel-options.js';
import { PubSub } from './pubsub/pubsub.js';
import { assertBusName, parseArguments } from './queue/arguments.js';
import { queueAddress } from './queue/queue-keys.js';
import { queueOptionsSchema, type QueueOptions, type ResolvedQueueOptions } from './queue/queue-options.js';
import { Queue } from './queue/queue.js';

/** Where Redis is (url, shards, cluster or sentinel, see RedisConnectionInput) plus defaults for every queue. */
export type RedisBusOptions = RedisConnectionInput & QueueOptions;

export interface RedisBusEvents {
  /** Every Redis server is connected (at start and after each recovery). */
  online: [];
  /** A Redis server was lost; commands wait (bounded) while the connection is re-established. */
  offline: [error: ResoluteError | undefined];
}

/**
 * busmq-style messaging over Redis: queues, channels and pub/sub on one connection (one instance, shards by name,
 * Sentinel or a Redis Cluster). Create it with `RedisBus.connect(options)`; close it with `close()`.
 */
export class RedisBus extends EventEmitter<RedisBusEvents> {
  private readonly parts = new Set<{ close(): Promise<void> }>();
  private closing: Promise<void> | undefined;

  private constructor(
    readonly connection: RedisConnection,
    private readonly defaults: ResolvedQueueOptions,
    private readonly logger: Logger,
    private readonly ownsConnection: boolean,
  ) {
    super();
    this.forward = { online: () => this.emit('online'), offline: (error) => this.emit('offline', error) };
    connection.on('online', this.forward.online);
    connection.on('offline', this.forward.offline);
  }

  private readonly forward: { online: () => void; offline: (error: ResoluteError | undefined) => void };

  /**
   * Validates the options (INVALID_CONFIG naming the field), connects to every Redis server and resolves once all
   * are ready (UNREACHABLE or AUTH_FAILED naming the server otherwise).
   */
  static async connect(options: RedisBusOptions = {}, open: OpenRedisOptions = {}): Promise<RedisBus> {
    const { connectionInput, defaults } = split(options);
    const connection = await RedisConnection.open(connectionInput, open);
    return new RedisBus(connection, defaults, open.logger ?? silentLogger, true);
  }

  /** A bus over a connection you already have (shared with a transport or store); close() leaves it open. */
  static over(connection: RedisConnection, options: QueueOptions = {}, logger: Logger = silentLogger): RedisBus {
    return new RedisBus(connection, parseWith(queueOptionsSchema, options, 'redis-bus queue options'), logger, false);
  }

  get online(): boolean {
    return this.connection.online;
  }

  /** A handle on the queue `name` (call attach() before consuming). Each call gives a new, independent handle. */
  queue(name: string, options: QueueOptions = {}): Queue {
    this.assertOpen();
    assertBusName(name, 'queue name');
    const resolved = parseArguments(queueOptionsSchema, { ...this.defaults, ...options }, `queue "${name}" options`);
    return this.track(new Queue(this.connection, queueAddress(name), resolved, this.logger));
  }

  /** A handle on the channel `name`; call connect() on one side and listen() on the other (or give explicit roles). */
  channel(name: string, options: ChannelOptions = {}): Channel {
    this.assertOpen();
    assertBusName(name, 'channel name');
    const resolved = parseArguments(channelOptionsSchema, options, `channel "${name}" options`);
    return this.track(new Channel(this.connection, name, resolved, this.defaults, this.logger));
  }

  /** Fire-and-forget publish/subscribe on `name` (nothing is stored: see PubSub). */
  pubsub(name: string): PubSub {
    this.assertOpen();
    assertBusName(name, 'pubsub name');
    return this.track(new PubSub(this.connection, name, this.logger));
  }

  /** Closes every queue, channel and pub/sub made here (see their close()), then the connection. Safe twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.parts].map((part) => part.close()));
      this.parts.clear();
      this.connection.off('online', this.forward.online);
      this.connection.off('offline', this.forward.offline);
      if (this.ownsConnection) await this.connection.close();
    })();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Remembered until closed, so close() closes what is still open (a closed handle is forgotten). */
  private track<T extends { close(): Promise<void>; once(event: 'closed', listener: () => void): unknown }>(part: T): T {
    this.parts.add(part);
    part.once('closed', () => this.parts.delete(part));
    return part;
  }

  private assertOpen(): void {
    if (this.closing) throw new ResoluteError('BUS_CLOSED', 'the redis bus is closed: connect a new one', { retryable: false });
  }
}

/** Same as `RedisBus.connect`. */
export function createRedisBus(options: RedisBusOptions = {}, open: OpenRedisOptions = {}): Promise<RedisBus> {
  return RedisBus.connect(options, open);
}

function split(options: RedisBusOptions): { connectionInput: RedisConnectionInput; defaults: ResolvedQueueOptions } {
  const connectionInput: Record<string, unknown> = {};
  const queueInput: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(options ?? {})) (CONNECTION_FIELDS.has(field) ? connectionInput : queueInput)[field] = value;
  return { connectionInput, defaults: parseWith(queueOptionsSchema, queueInput, 'redis-bus options') };
}
