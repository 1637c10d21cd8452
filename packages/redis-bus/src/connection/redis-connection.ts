import { EventEmitter } from 'node:events';
import { ResoluteError, silentLogger, type Logger } from '@resolute/core';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { failInFlightOnClose } from './fail-in-flight.js';
import { mapRedisError } from './map-redis-error.js';
import { parseRedisConnection, redactRedisUrl, type RedisConnectionInput, type RedisConnectionOptions } from './redis-options.js';
import { shardIndex } from './shard-hash.js';

/** One instance (a Redis) or a whole Redis Cluster (a Cluster, which routes every command by its keys' slot). */
export type RedisClient = Redis | Cluster;

export type RedisMode = 'single' | 'shards' | 'cluster' | 'sentinel';

export interface RedisConnectionEvents {
  /** Every server is connected and ready (emitted at start and after each recovery). */
  online: [];
  /** A server was lost; commands wait for it (bounded by `offlineRetries`) while ioredis reconnects. */
  offline: [error: ResoluteError | undefined];
}

export interface OpenRedisOptions {
  /** Shown in `CLIENT LIST` as `resolute:<name>` and in logs. */
  readonly name?: string;
  readonly logger?: Logger;
}

/**
 * How many reconnect attempts a command issued while disconnected waits through before it fails with
 * CONNECTION_LOST. Such a command was never sent, so failing it is safe: it was not applied.
 */
const OFFLINE_RETRIES = 10;

/**
 * The connections to one Redis deployment, shared by queues, channels, the transport and the store.
 *
 * Two ioredis behaviours are set on purpose:
 * - the offline queue stays on, bounded: a command issued while reconnecting waits a few attempts, then fails
 *   without having been sent (nothing applied, safe to retry);
 * - `autoResendUnfulfilledCommands` is off: a command in flight when the socket dropped may or may not have been
 *   applied; resending it blindly could apply a push twice. It fails with CONNECTION_LOST instead and the caller
 *   decides (the outbox retries it; the receiver's dedupe absorbs the duplicate if it had been applied).
 */
export class RedisConnection extends EventEmitter<RedisConnectionEvents> {
  readonly prefix: string;
  readonly mode: RedisMode;
  private readonly clients: RedisClient[];
  private readonly dedicatedClients = new Set<RedisClient>();
  private readonly ready = new Set<RedisClient>();
  private isOnline = false;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly options: RedisConnectionOptions,
    private readonly name: string,
    private readonly logger: Logger,
  ) {
    super();
    this.prefix = options.prefix;
    this.mode = options.cluster ? 'cluster' : options.shards ? 'shards' : options.sentinel ? 'sentinel' : 'single';
    this.clients = this.createClients();
    for (const client of this.clients) {
      settleInFlight(client);
      this.watch(client);
    }
  }

  /**
   * Validates the options (INVALID_CONFIG naming the field), connects to every server and resolves once all are
   * ready. Rejects with UNREACHABLE or AUTH_FAILED naming the server, and leaves nothing running.
   */
  static async open(input: RedisConnectionInput | RedisConnectionOptions, options: OpenRedisOptions = {}): Promise<RedisConnection> {
    const parsed = parseRedisConnection(input);
    const connection = new RedisConnection(parsed, options.name ?? 'bus', options.logger ?? silentLogger);
    try {
      await Promise.all(connection.clients.map((client, index) => connection.connectClient(client, connection.describe(index))));
    } catch (error) {
      for (const client of connection.clients) client.disconnect();
      throw error;
    }
    return connection;
  }

  /** True while every server is connected. */
  get online(): boolean {
    return this.isOnline;
  }

  /** Every server's client: one per shard, or the single/cluster/sentinel client. */
  get all(): readonly RedisClient[] {
    return this.clients;
  }

  /** The client that holds `name` (a queue, channel, topic or store name): its shard, or the only client. */
  clientFor(name: string): RedisClient {
    return this.clients[shardIndex(name, this.clients.length)]!;
  }

  /**
   * A key of `name`: `<prefix>:{<name>}:<parts>`. The braces are a Redis Cluster hash tag, so every key of one name
   * lands in the same slot and a Lua script may touch them together.
   */
  key(name: string, ...parts: string[]): string {
    return parts.length === 0 ? `${this.prefix}:{${name}}` : `${this.prefix}:{${name}}:${parts.join(':')}`;
  }

  /**
   * A new connection to the server that holds `name`, for blocking commands (XREADGROUP BLOCK, BLMOVE) that would
   * stall every other command on a shared connection. Closed with this connection, or earlier with `release`.
   */
  async dedicated(name: string): Promise<RedisClient> {
    if (this.closing) throw new ResoluteError('BUS_CLOSED', 'the redis connection is closed: open a new one');
    const client = this.clientFor(name).duplicate();
    settleInFlight(client);
    client.on('error', () => {
      /* reported through the shared clients' events; ioredis must not see an unhandled 'error' */
    });
    this.dedicatedClients.add(client);
    await this.connectClient(client, `a dedicated connection for ${name}`);
    return client;
  }

  release(client: RedisClient): void {
    if (this.dedicatedClients.delete(client)) client.disconnect();
  }

  /** Closes every connection (QUIT, bounded to 2 s, then a hard disconnect). Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const all = [...this.clients, ...this.dedicatedClients];
      this.dedicatedClients.clear();
      await Promise.all(
        all.map(async (client) => {
          const timer = setTimeout(() => client.disconnect(), 2_000);
          try {
            await client.quit();
          } catch {
            client.disconnect();
          } finally {
            clearTimeout(timer);
          }
        }),
      );
      this.isOnline = false;
    })();
    return this.closing;
  }

  private async connectClient(client: RedisClient, where: string): Promise<void> {
    // connect() rejects with a bare "Connection is closed."; the socket's or the server's own error (ECONNREFUSED,
    // WRONGPASS) arrives as an 'error' event just before: that one says what to fix.
    let cause: unknown;
    const remember = (error: unknown): void => {
      cause ??= error;
    };
    client.on('error', remember);
    try {
      await client.connect();
    } catch (error) {
      throw mapRedisError(cause ?? error, `cannot connect to ${where}`);
    } finally {
      client.off('error', remember);
    }
  }

  private describe(index: number): string {
    const o = this.options;
    if (o.cluster) return `the Redis Cluster at ${o.cluster.nodes.map(redactRedisUrl).join(', ')}`;
    if (o.sentinel) return `the master "${o.sentinel.name}" through sentinels ${o.sentinel.sentinels.join(', ')}`;
    if (o.shards) return `shard ${index} (${redactRedisUrl(o.shards[index]!)})`;
    return redactRedisUrl(o.url!);
  }

  private baseOptions(): RedisOptions {
    const o = this.options;
    return {
      lazyConnect: true,
      enableOfflineQueue: true,
      maxRetriesPerRequest: OFFLINE_RETRIES,
      autoResendUnfulfilledCommands: false,
      enableReadyCheck: true,
      connectTimeout: o.connectTimeoutMs,
      connectionName: `resolute:${this.name}`,
      retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 10), o.maxReconnectDelayMs),
      // After a failover the old master answers READONLY: reconnect (sentinel finds the new one), do not resend.
      reconnectOnError: (error: Error) => (/^READONLY/.test(error.message) ? 1 : false),
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...(o.tls !== undefined ? { tls: { ...o.tls } } : {}),
    };
  }

  private createClients(): RedisClient[] {
    const o = this.options;
    const base = this.baseOptions();
    const secure = (url: string): RedisOptions => (url.startsWith('rediss:') && base.tls === undefined ? { tls: {} } : {});
    if (o.cluster) {
      const nodes = o.cluster.nodes.map((url) => {
        const u = new URL(url);
        return { host: u.hostname, port: Number(u.port || 6379) };
      });
      const first = new URL(o.cluster.nodes[0]!);
      const redisOptions: RedisOptions = {
        ...base,
        ...secure(o.cluster.nodes[0]!),
        ...(o.username === undefined && first.username !== '' ? { username: decodeURIComponent(first.username) } : {}),
        ...(o.password === undefined && first.password !== '' ? { password: decodeURIComponent(first.password) } : {}),
      };
      const clusterOptions: ClusterOptions = {
        lazyConnect: true,
        enableOfflineQueue: true,
        enableReadyCheck: true,
        scaleReads: 'master',
        maxRedirections: 16,
        retryDelayOnFailover: 100,
        retryDelayOnClusterDown: 100,
        retryDelayOnTryAgain: 100,
        clusterRetryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 10), o.maxReconnectDelayMs),
        redisOptions,
      };
      return [new Cluster(nodes, clusterOptions)];
    }
    if (o.sentinel) {
      return [
        new Redis({
          ...base,
          sentinels: o.sentinel.sentinels.map((s) => {
            const [host, port] = s.split(':');
            return { host: host!, port: Number(port) };
          }),
          name: o.sentinel.name,
          role: 'master',
          ...(o.sentinel.sentinelPassword !== undefined ? { sentinelPassword: o.sentinel.sentinelPassword } : {}),
        }),
      ];
    }
    const urls = o.shards ?? [o.url!];
    return urls.map((url) => new Redis(url, { ...base, ...secure(url) }));
  }

  /** Turns each client's socket events into one online/offline signal for the whole deployment. */
  private watch(client: RedisClient): void {
    let lastError: ResoluteError | undefined;
    client.on('error', (error: unknown) => {
      lastError = mapRedisError(error, 'redis connection');
      this.logger.debug({ err: lastError }, 'redis connection error');
    });
    client.on('ready', () => {
      this.ready.add(client);
      if (!this.isOnline && this.ready.size === this.clients.length) {
        this.isOnline = true;
        this.logger.info({ mode: this.mode }, 'redis online');
        this.emit('online');
      }
    });
    const lost = (): void => {
      this.ready.delete(client);
      if (this.isOnline && !this.closing) {
        this.isOnline = false;
        this.logger.warn({ mode: this.mode, err: lastError }, 'redis offline: reconnecting');
        this.emit('offline', lastError);
      }
    };
    client.on('close', lost);
    client.on('end', lost);
  }
}

/** See failInFlightOnClose: on a Cluster, for every node connection it makes. */
function settleInFlight(client: RedisClient): void {
  if (client instanceof Cluster) client.on('+node', (node: Redis) => failInFlightOnClose(node));
  else failInFlightOnClose(client);
}
