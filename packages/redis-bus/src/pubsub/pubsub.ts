import { EventEmitter } from 'node:events';
import { ResoluteError, type Logger } from '@resolute/core';
import { mapRedisError } from '../connection/map-redis-error.js';
import type { RedisClient, RedisConnection } from '../connection/redis-connection.js';
import { toBody, type MessageBody } from '../queue/arguments.js';

export interface PubSubEvents {
  /** A message published on this name while we were subscribed. */
  message: [body: string, raw: Buffer];
  subscribed: [];
  unsubscribed: [];
  /** close() finished. */
  closed: [];
}

/**
 * Redis PUBLISH/SUBSCRIBE on one name: fire-and-forget, unlike queues. A message reaches the subscribers connected at
 * that moment and no one else: nothing is stored, a subscriber that is disconnected (or not yet subscribed) when it is
 * published never sees it, and nothing is acknowledged. Use it for notifications that may be lost (cache
 * invalidation, live updates); use a Queue or a Channel when every message must arrive.
 *
 * The subscription has a connection of its own (a subscribed Redis connection can do nothing else); ioredis
 * re-subscribes after a reconnect. On a Redis Cluster PUBLISH reaches subscribers on every node.
 */
export class PubSub extends EventEmitter<PubSubEvents> {
  readonly name: string;
  private readonly channel: string;
  private subscriber: RedisClient | undefined;
  /** The connection whose messages are delivered: set before SUBSCRIBE is sent, cleared by unsubscribe(). */
  private listening: RedisClient | undefined;
  private subscribing: Promise<void> | undefined;
  private closed = false;

  /** @internal Use `bus.pubsub(name)`. */
  constructor(
    private readonly connection: RedisConnection,
    name: string,
    private readonly logger: Logger,
  ) {
    super();
    this.name = name;
    this.channel = connection.key(`ps:${name}`);
  }

  /**
   * Publishes to whoever is subscribed right now. Resolves with the number of subscribers Redis handed it to (on a
   * Cluster: those on the node that received it); 0 means no one got it, and it is gone.
   */
  async publish(message: MessageBody): Promise<number> {
    this.assertOpen();
    const body = toBody(message, `pubsub "${this.name}" message`);
    try {
      return await this.connection.clientFor(`ps:${this.name}`).publish(this.channel, body);
    } catch (error) {
      throw mapRedisError(error, `pubsub "${this.name}": publish`);
    }
  }

  /** Subscribes; resolves once Redis confirmed, so messages published after that arrive as `message` events. */
  subscribe(): Promise<void> {
    this.assertOpen();
    this.subscribing ??= (async () => {
      const client = await this.connection.dedicated(`ps:${this.name}`);
      client.on('messageBuffer', (channel: Buffer, raw: Buffer) => {
        if (this.listening === client && channel.toString() === this.channel) this.emit('message', raw.toString('utf8'), raw);
      });
      this.listening = client;
      try {
        await client.subscribe(this.channel);
      } catch (error) {
        this.listening = undefined;
        this.connection.release(client);
        throw mapRedisError(error, `pubsub "${this.name}": subscribe`);
      }
      this.subscriber = client;
      this.logger.debug({ pubsub: this.name }, 'pubsub: subscribed');
      this.emit('subscribed');
    })();
    const subscribing = this.subscribing;
    subscribing.catch(() => {
      if (this.subscribing === subscribing) this.subscribing = undefined;
    });
    return subscribing;
  }

  get isSubscribed(): boolean {
    return this.subscriber !== undefined;
  }

  /** Stops receiving (messages published from now on are not delivered here). */
  async unsubscribe(): Promise<void> {
    const subscribing = this.subscribing;
    if (subscribing === undefined) return;
    this.subscribing = undefined;
    await subscribing.catch(() => undefined);
    const client = this.subscriber;
    this.subscriber = undefined;
    this.listening = undefined;
    if (client === undefined) return;
    try {
      // Confirmed by Redis before the connection goes, so a publish after this resolves does not count us.
      await client.unsubscribe(this.channel);
    } catch {
      /* the connection is going anyway */
    }
    this.connection.release(client);
    this.emit('unsubscribed');
  }

  /** Unsubscribes and releases this object. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.unsubscribe();
    this.emit('closed');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new ResoluteError('BUS_CLOSED', `pubsub "${this.name}" is closed: get a new one from bus.pubsub(name)`, { retryable: false });
  }
}
