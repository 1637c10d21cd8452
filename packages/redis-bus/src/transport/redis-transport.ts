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
import { probeDurability } from '../connection/durability.js';
import { mapRedisError } from '../connection/map-redis-error.js';
import { RedisConnection } from '../connection/redis-connection.js';
import type { RedisConnectionOptions } from '../connection/redis-options.js';
import { parseRedisTransportOptions, type RedisTransportInput, type RedisTransportSettings } from './redis-transport-options.js';
import { emptyStats, type RedisTransportStats } from './redis-transport-stats.js';
import { StreamReader } from './stream-reader.js';
import { StreamSender } from './stream-sender.js';
import { endpointStream, topicStream, type StreamRef } from './stream-names.js';
import { ensureGroup, lastEntryId, Subscriptions } from './subscriptions.js';

interface Started {
  readonly endpoint: string;
  readonly connection: RedisConnection;
  readonly context: TransportStartContext;
  readonly sender: StreamSender;
  readonly subscriptions: Subscriptions;
}

/**
 * A broker-routed Transport over Redis Streams consumer groups. Each endpoint reads its own stream (commands,
 * requests, replies) as the group named after it; each topic is a stream on which every subscribing endpoint is a
 * group, so each endpoint gets every event once and its instances share the work (each process is a consumer). The
 * group's pending-entries list is the processing list: an entry is acknowledged only after the bus stored it, and
 * entries of a dead consumer are claimed by a live one once their lease ran out. See the README ("Events transport").
 */
export class RedisTransport implements Transport {
  readonly type = 'redis-bus';
  readonly capabilities: TransportCapabilities;
  readonly settings: RedisTransportSettings;
  private readonly connectionOptions: RedisConnectionOptions | undefined;
  private readonly injectedConnection: RedisConnection | undefined;
  private readonly injectedLogger: Logger | undefined;
  private logger: Logger = silentLogger;
  private started: Started | undefined;
  private starting = false;
  private readonly readers = new Map<string, StreamReader>();
  /** Topics this process subscribed to or read at start: written back if Redis lost the endpoint's keys. */
  private readonly topics = new Set<string>();
  private readonly counters: RedisTransportStats = emptyStats();
  private closing: Promise<void> | undefined;

  constructor(options: RedisTransportInput = {}) {
    const { logger, connection, ...rest } = options;
    const parsed = parseRedisTransportOptions(rest, connection !== undefined);
    this.settings = parsed.settings;
    this.connectionOptions = parsed.connection;
    this.injectedConnection = connection;
    this.injectedLogger = logger;
    // Ordered per stream when nothing fails: one reader per stream hands batches over one at a time, and a refused
    // batch is read again before anything newer.
    this.capabilities = { routing: 'broker', durable: true, ordered: true, requestReply: true, maxBatch: this.settings.maxBatch };
  }

  /** The endpoint name: other buses send to it (its stream is `<prefix>:{e:<name>}:stream`). */
  get address(): string {
    if (this.started === undefined) throw new ResoluteError('NOT_STARTED', 'redis-bus: address is known once started: await start() first');
    return this.started.endpoint;
  }

  stats(): Readonly<RedisTransportStats> & { readers: number } {
    return { ...this.counters, readers: [...this.readers.values()].filter((r) => !r.done).length };
  }

  async start(context: TransportStartContext): Promise<void> {
    if (this.starting || this.started !== undefined) throw new ResoluteError('INVALID_ARGUMENT', 'redis-bus: start() called twice: create a new transport');
    if (this.closing !== undefined) throw new ResoluteError('BUS_CLOSED', 'redis-bus: the transport is closed: create a new one');
    assertName(context.endpoint, 'endpoint');
    this.starting = true;
    const endpoint = context.endpoint;
    this.logger = childLogger(this.injectedLogger ?? context.logger, { transport: 'redis-bus', endpoint });
    let connection: RedisConnection;
    try {
      connection = this.injectedConnection ?? (await RedisConnection.open(this.connectionOptions!, { name: endpoint, logger: this.logger }));
    } catch (error) {
      this.starting = false;
      throw mapRedisError(error, `redis-bus: starting endpoint ${endpoint}`);
    }
    const started: Started = { endpoint, connection, context, sender: new StreamSender(connection, this.settings, this.counters), subscriptions: new Subscriptions(connection, endpoint) };
    try {
      await this.warnIfNotDurable(connection, endpoint);
      const own = endpointStream(connection, endpoint);
      await ensureGroup(connection, own, endpoint, '0');
      const { topics, draining } = await started.subscriptions.load();
      await this.startReader(started, own);
      for (const topic of topics) {
        this.topics.add(topic);
        const stream = topicStream(connection, topic);
        await ensureGroup(connection, stream, endpoint, '$');
        await this.startReader(started, stream);
      }
      for (const [topic, cutoff] of draining) await this.startReader(started, topicStream(connection, topic), cutoff);
      if (this.closing !== undefined) throw new ResoluteError('BUS_CLOSED', 'redis-bus: closed while starting');
    } catch (error) {
      await Promise.all([...this.readers.values()].map((r) => r.stop()));
      this.readers.clear();
      if (this.injectedConnection === undefined) await connection.close();
      this.starting = false;
      throw mapRedisError(error, `redis-bus: starting endpoint ${endpoint}`);
    }
    this.started = started;
    this.starting = false;
    this.logger.info({ consumer: this.settings.consumer, readers: this.readers.size }, 'redis-bus transport started');
  }

  async send(batch: readonly OutgoingMessage[], options: { signal?: AbortSignal } = {}): Promise<SendOutcome[]> {
    if (batch.length > this.settings.maxBatch) {
      const error = new ResoluteError('INVALID_ARGUMENT', `redis-bus: a send takes at most ${this.settings.maxBatch} messages (capabilities.maxBatch)`, { retryable: false });
      return batch.map(() => ({ ok: false, error }));
    }
    if (this.started === undefined || this.closing !== undefined) {
      const error = new ResoluteError('CONNECTION_LOST', 'redis-bus: the transport is not started or is closed: the message stays in the outbox');
      return batch.map(() => ({ ok: false, error }));
    }
    return this.started.sender.send(batch, options.signal);
  }

  /**
   * Makes this endpoint a consumer group of the topic's stream (created at the stream's end: later events only) and
   * records the topic in the endpoint's subscription set, so its other and restarted instances read it too.
   * Idempotent; resolves once the group exists.
   */
  async subscribe(topic: string): Promise<void> {
    assertName(topic, 'topic');
    const started = this.require(`subscribing to ${topic}`);
    const stream = topicStream(started.connection, topic);
    this.topics.add(topic);
    try {
      await started.subscriptions.add(topic);
      await ensureGroup(started.connection, stream, started.endpoint, '$');
      const reader = this.readers.get(stream.key);
      if (reader !== undefined && !reader.done) reader.resume();
      else await this.startReader(started, stream);
    } catch (error) {
      throw mapRedisError(error, `redis-bus: subscribing ${started.endpoint} to ${topic}`);
    }
  }

  /**
   * Stops routing the topic's later events to this endpoint. Events already queued for it (up to the stream's last
   * entry now) stay queued and are still handed over; then the group is destroyed, so it no longer holds the topic's
   * stream back from trimming. Idempotent.
   */
  async unsubscribe(topic: string): Promise<void> {
    assertName(topic, 'topic');
    const started = this.require(`unsubscribing from ${topic}`);
    const stream = topicStream(started.connection, topic);
    this.topics.delete(topic);
    try {
      const removed = await started.subscriptions.remove(topic, await lastEntryId(started.connection, stream));
      const cutoff = await started.subscriptions.drainCutoff(topic);
      if (cutoff === undefined) return;
      const reader = this.readers.get(stream.key);
      if (reader !== undefined && !reader.done) reader.drain(cutoff);
      else if (removed) await this.startReader(started, stream, cutoff);
    } catch (error) {
      throw mapRedisError(error, `redis-bus: unsubscribing ${started.endpoint} from ${topic}`);
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async shutdown(): Promise<void> {
    const started = this.started;
    await Promise.all([...this.readers.values()].map((r) => r.stop()));
    if (started === undefined) return;
    await started.sender.close(this.settings.closeTimeoutMs);
    if (this.injectedConnection === undefined) await started.connection.close();
    this.logger.info({}, 'redis-bus transport closed');
  }

  private require(what: string): Started {
    if (this.closing !== undefined) throw new ResoluteError('BUS_CLOSED', `redis-bus: ${what}: the transport is closed`);
    if (this.started === undefined) throw new ResoluteError('NOT_STARTED', `redis-bus: ${what}: start the transport first`);
    return this.started;
  }

  /**
   * A resolved send is only as safe as the servers' persistence (connection/durability.ts): says so, once, at start,
   * naming the settings to change. Never a refusal, not even when the settings cannot be read: a deployment may accept
   * losing the last second of events, and a real connection fault shows in the commands that follow.
   */
  private async warnIfNotDurable(connection: RedisConnection, endpoint: string): Promise<void> {
    try {
      const report = await probeDurability(connection.all, `the Redis of endpoint ${endpoint}`);
      if (!report.durable) this.logger.warn({ endpoint }, `redis-bus transport: a resolved send may be lost if Redis crashes: ${report.reason}`);
    } catch (error) {
      this.logger.warn({ endpoint, err: error }, 'redis-bus transport: could not read the servers\' persistence settings (CONFIG GET a*): a resolved send is as safe as they are');
    }
  }

  private async startReader(started: Started, stream: StreamRef, cutoff?: string): Promise<void> {
    const reader = new StreamReader({
      connection: started.connection,
      stream,
      group: started.endpoint,
      settings: this.settings,
      receive: started.context.receive,
      stats: this.counters,
      logger: this.logger,
      hooks: {
        missingGroup: (r) => this.missingGroup(started, r),
        drained: async (r) => started.subscriptions.forgetDrain(topicOf(r.stream)),
      },
    });
    this.readers.set(stream.key, reader);
    try {
      await reader.start(cutoff);
    } catch (error) {
      if (this.readers.get(stream.key) === reader) this.readers.delete(stream.key);
      throw error;
    }
  }

  /** A reader's group is gone: recreate it if the endpoint still wants the stream, else let the reader stop. */
  private async missingGroup(started: Started, reader: StreamReader): Promise<'recreated' | 'stop'> {
    const { stream } = reader;
    if (stream.kind === 'endpoint') {
      this.logger.warn({ stream: stream.key }, 'redis-bus: the endpoint stream lost its consumer group (was Redis emptied?): created again');
      await ensureGroup(started.connection, stream, started.endpoint, '0');
      return 'recreated';
    }
    const topic = topicOf(stream);
    if (await started.subscriptions.lost()) {
      this.logger.warn({ stream: stream.key, topics: [...this.topics] }, 'redis-bus: Redis lost this endpoint\'s subscriptions (restarted without persistence?): written back from memory');
      await started.subscriptions.restore(this.topics);
    }
    if (await started.subscriptions.isSubscribed(topic)) {
      await ensureGroup(started.connection, stream, started.endpoint, '$');
      return 'recreated';
    }
    await started.subscriptions.forgetDrain(topic);
    return 'stop';
  }
}

function topicOf(stream: StreamRef): string {
  return stream.name.slice(2);
}
