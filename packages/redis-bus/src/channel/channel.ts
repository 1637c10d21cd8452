import { EventEmitter } from 'node:events';
import { ResoluteError, type Logger } from '@resolute/core';
import { LuaScript } from '../connection/lua-script.js';
import { mapRedisError } from '../connection/map-redis-error.js';
import type { RedisClient, RedisConnection } from '../connection/redis-connection.js';
import { assertBusName, type MessageBody } from '../queue/arguments.js';
import { instanceId } from '../queue/instance-id.js';
import type { QueueAddress } from '../queue/queue-keys.js';
import type { QueueMessage } from '../queue/queue-message.js';
import type { ResolvedQueueOptions } from '../queue/queue-options.js';
import { Queue } from '../queue/queue.js';
import type { ResolvedChannelOptions } from './channel-options.js';

const HEARTBEAT = new LuaScript('channel-heartbeat-3', 3);
const LEAVE = new LuaScript('channel-leave-1', 1);

export interface ChannelEvents {
  /** This party is on the channel (after connect() or listen()). */
  connected: [];
  /** This party left (disconnect(), end(), close(), or the remote party ended the channel). */
  disconnected: [];
  /** The other party is present (it connected, possibly before us). */
  'remote:connected': [];
  /** The other party left or stopped heartbeating for `livenessMs`. */
  'remote:disconnected': [];
  /** A message from the other party. It is acked once the listeners have returned. */
  message: [body: string, id: string, message: QueueMessage];
  /** The other party ended the channel: its queues are gone; this party disconnects. */
  end: [];
  /** A failure the channel recovers from by itself: emitted only when someone listens; always logged. */
  error: [error: ResoluteError];
  /** close() finished. */
  closed: [];
}

/**
 * A bidirectional channel between two parties over two queues, one per role (busmq-style). Messages sent before the
 * other party connects wait in its queue, so either side may start first. Receiving is at least once: a message is
 * taken in reliable mode and acked after the `message` listeners return, so a party that dies in between gets it
 * again when it (or a successor with the same role) connects. Each role is meant for one party at a time.
 */
export class Channel extends EventEmitter<ChannelEvents> {
  readonly name: string;
  private readonly tag: string;
  private readonly client: RedisClient;
  private readonly partyId = instanceId();
  private readonly queueOptions: ResolvedQueueOptions;
  private role: string | undefined;
  private peer: string | undefined;
  private inbox: Queue | undefined;
  private outbox: Queue | undefined;
  private readonly others = new Map<string, Queue>();
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private remotePresent = false;
  private closed = false;

  /** @internal Use `bus.channel(name, options)`. */
  constructor(
    private readonly connection: RedisConnection,
    name: string,
    private readonly options: ResolvedChannelOptions,
    defaults: ResolvedQueueOptions,
    private readonly logger: Logger,
  ) {
    super();
    this.name = name;
    this.tag = `ch:${name}`;
    this.client = connection.clientFor(this.tag);
    this.queueOptions = {
      heartbeatMs: options.heartbeatMs ?? defaults.heartbeatMs,
      livenessMs: options.livenessMs ?? defaults.livenessMs,
      ttlSeconds: options.ttlSeconds ?? defaults.ttlSeconds,
    };
    if (this.queueOptions.livenessMs < 2 * this.queueOptions.heartbeatMs) {
      throw new ResoluteError('INVALID_ARGUMENT', `channel "${name}": livenessMs must be at least twice heartbeatMs`, { retryable: false });
    }
  }

  /** Joins with the local role as our own (we receive on it) and send to the remote role. */
  connect(): Promise<void> {
    return this.join(this.options.local, this.options.remote);
  }

  /** Joins with the roles reversed: we receive on the remote role and send to the local one (the other side connects). */
  listen(): Promise<void> {
    return this.join(this.options.remote, this.options.local);
  }

  get isConnected(): boolean {
    return this.role !== undefined;
  }

  get isRemoteConnected(): boolean {
    return this.remotePresent;
  }

  /** Sends to the other party; resolves once Redis has it (it waits in the other party's queue until received). */
  async send(message: MessageBody): Promise<string> {
    if (this.outbox === undefined) throw new ResoluteError('NOT_STARTED', `channel "${this.name}": connect() or listen() before send()`, { retryable: false });
    return this.outbox.push(message);
  }

  /** Sends to the party of role `endpoint` without joining the channel. */
  async sendTo(endpoint: string, message: MessageBody): Promise<string> {
    this.assertOpen();
    assertBusName(endpoint, 'endpoint (a role of the channel)');
    if (endpoint.includes(':')) throw new ResoluteError('INVALID_ARGUMENT', `channel "${this.name}": a role has no colons (got ${JSON.stringify(endpoint)})`, { retryable: false });
    let queue = this.others.get(endpoint);
    if (queue === undefined) {
      queue = this.queue(endpoint);
      this.others.set(endpoint, queue);
    }
    return queue.push(message);
  }

  /** Leaves the channel: its queues and pending messages stay (for `ttlSeconds`) for the next party of our role. */
  async disconnect(): Promise<void> {
    if (this.role === undefined) return;
    const role = this.role;
    this.role = undefined;
    this.peer = undefined;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
    this.remotePresent = false;
    const queues = [this.inbox, this.outbox].filter((q) => q !== undefined);
    this.inbox = undefined;
    this.outbox = undefined;
    await Promise.all(queues.map((q) => q.close()));
    try {
      await LEAVE.run(this.client, [this.presenceKey(role)], [this.partyId]);
    } catch (error) {
      this.report(error, 'leave');
    }
    this.emit('disconnected');
  }

  /**
   * Ends the channel for both parties: deletes both queues (messages not yet received are dropped) and tells the
   * other party, which gets `end` within a heartbeat and disconnects.
   */
  async end(): Promise<void> {
    this.assertOpen();
    const ttlMs = this.queueOptions.livenessMs * 3;
    try {
      await this.client.set(this.connection.key(this.tag, 'ended'), this.partyId, 'PX', ttlMs);
    } catch (error) {
      throw mapRedisError(error, `channel "${this.name}": end`);
    }
    const [inbox, outbox] = [this.inbox, this.outbox];
    await this.disconnect();
    await Promise.all([(inbox ?? this.queue(this.options.local)).destroy(), (outbox ?? this.queue(this.options.remote)).destroy()]);
  }

  /** Disconnects and releases this object. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.disconnect();
    await Promise.all([...this.others.values()].map((q) => q.close()));
    this.emit('closed');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async join(role: string, peer: string): Promise<void> {
    this.assertOpen();
    if (this.role !== undefined) throw new ResoluteError('INVALID_ARGUMENT', `channel "${this.name}" is already connected as "${this.role}": disconnect() first`, { retryable: false });
    this.role = role;
    this.peer = peer;
    const inbox = this.queue(role);
    const outbox = this.queue(peer);
    this.inbox = inbox;
    this.outbox = outbox;
    for (const queue of [inbox, outbox]) queue.on('error', (error) => this.report(error, 'queue'));
    inbox.on('message', (body, id, message) => {
      try {
        this.emit('message', body, id, message);
      } catch (error) {
        this.report(new ResoluteError('HANDLER_FAILED', `channel "${this.name}": a message listener threw: ${String(error)}`, { cause: error }), 'message listener');
      }
      message.ack().catch((error: unknown) => this.report(error, 'ack'));
    });
    try {
      // A new session: an end marker left by an earlier one must not end this one.
      await this.client.del(this.connection.key(this.tag, 'ended'));
      await Promise.all([inbox.attach(), outbox.attach()]);
      inbox.consume({ reliable: true, leaseMs: this.options.leaseMs, prefetch: this.options.prefetch });
    } catch (error) {
      this.role = undefined;
      await Promise.all([inbox.close(), outbox.close()]);
      throw mapRedisError(error, `channel "${this.name}": connect`);
    }
    this.emit('connected');
    this.timer = setInterval(() => void this.heartbeat(), this.queueOptions.heartbeatMs);
    this.timer.unref();
    await this.heartbeat();
  }

  /** Renews our presence and notices the other party's arrival, departure, or end of the channel. */
  private heartbeat(): Promise<void> {
    this.beating ??= (async () => {
      const role = this.role;
      const peer = this.peer;
      if (role === undefined || peer === undefined) return;
      try {
        const keys = [this.presenceKey(role), this.presenceKey(peer), this.connection.key(this.tag, 'ended')];
        const [present, ended] = (await HEARTBEAT.run(this.client, keys, [this.partyId, this.queueOptions.livenessMs])) as number[];
        if (this.role !== role) return;
        if (ended === 1) {
          this.emit('end');
          setImmediate(() => void this.disconnect());
          return;
        }
        if ((present === 1) !== this.remotePresent) {
          this.remotePresent = present === 1;
          this.emit(this.remotePresent ? 'remote:connected' : 'remote:disconnected');
        }
      } catch (error) {
        this.report(error, 'heartbeat');
      }
    })().finally(() => {
      this.beating = undefined;
    });
    return this.beating;
  }

  private queue(role: string): Queue {
    const address: QueueAddress = { tag: this.tag, base: ['q', role], display: `channel "${this.name}" role "${role}"` };
    return new Queue(this.connection, address, this.queueOptions, this.logger);
  }

  private presenceKey(role: string): string {
    return this.connection.key(this.tag, 'p', role);
  }

  private report(error: unknown, what: string): void {
    const mapped = mapRedisError(error, `channel "${this.name}": ${what}`);
    this.logger.warn({ err: mapped, channel: this.name }, `channel: ${what} failed`);
    if (this.listenerCount('error') > 0) this.emit('error', mapped);
  }

  private assertOpen(): void {
    if (this.closed) throw new ResoluteError('BUS_CLOSED', `channel "${this.name}" is closed: get a new one from bus.channel(name)`, { retryable: false });
  }
}
