import type { RedisConnection } from '../connection/redis-connection.js';
import { STREAM_SCRIPTS } from './stream-scripts.js';
import { subscriptionKeys, type StreamRef } from './stream-names.js';

/**
 * Creates `group` on a stream (and the stream), starting at `from`: `0` for an endpoint's own stream (commands sent
 * before it first started are waiting there), `$` for a topic (events published before the subscription are not
 * its). Already there (BUSYGROUP) is fine: idempotent.
 */
export async function ensureGroup(connection: RedisConnection, stream: StreamRef, group: string, from: '0' | '$'): Promise<void> {
  try {
    await connection.clientFor(stream.name).xgroup('CREATE', stream.key, group, from, 'MKSTREAM');
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith('BUSYGROUP'))) throw error;
  }
}

/** The id of a stream's last entry (`0-0` for an empty or missing stream): an unsubscribe's cutoff. */
export async function lastEntryId(connection: RedisConnection, stream: StreamRef): Promise<string> {
  const last = await connection.clientFor(stream.name).xrevrange(stream.key, '+', '-', 'COUNT', 1);
  return last[0]?.[0] ?? '0-0';
}

/**
 * An endpoint's subscriptions, kept in Redis beside its stream (same shard, same hash tag) so that every instance of
 * the endpoint, and a restarted one, reads the same topics: a set of subscribed topics and a hash of topics being
 * drained after an unsubscribe (topic -> cutoff id).
 */
export class Subscriptions {
  private readonly keys: { readonly topics: string; readonly draining: string };
  private readonly shard: string;

  constructor(
    private readonly connection: RedisConnection,
    endpoint: string,
  ) {
    this.keys = subscriptionKeys(connection, endpoint);
    this.shard = `e:${endpoint}`;
  }

  /**
   * Reads the subscriptions at start. The set always holds the member `""` (no topic has an empty name), so that it
   * exists even with no topic: a set that is gone later means Redis lost its data (see `lost`).
   */
  async load(): Promise<{ topics: string[]; draining: Map<string, string> }> {
    const client = this.connection.clientFor(this.shard);
    await client.sadd(this.keys.topics, '');
    const [topics, draining] = await Promise.all([client.smembers(this.keys.topics), client.hgetall(this.keys.draining)]);
    return { topics: topics.filter((t) => t !== '').sort(), draining: new Map(Object.entries(draining)) };
  }

  /** True when the set is gone: Redis lost the endpoint's keys (restarted without persistence, or flushed). */
  async lost(): Promise<boolean> {
    return (await this.connection.clientFor(this.shard).exists(this.keys.topics)) === 0;
  }

  /** After a loss: the topics this process knows it subscribed to are written back. */
  async restore(topics: Iterable<string>): Promise<void> {
    await this.connection.clientFor(this.shard).sadd(this.keys.topics, '', ...topics);
  }

  /** Subscribed (again): in the set, no longer draining. */
  async add(topic: string): Promise<void> {
    const replies = await this.connection.clientFor(this.shard).multi().sadd(this.keys.topics, '', topic).hdel(this.keys.draining, topic).exec();
    const failed = replies?.find(([error]) => error !== null)?.[0];
    if (failed) throw failed;
  }

  /** Out of the set, draining up to `cutoff`. False when the topic was not subscribed (nothing changed). */
  async remove(topic: string, cutoff: string): Promise<boolean> {
    return (await STREAM_SCRIPTS.endSubscription.run(this.connection.clientFor(this.shard), [this.keys.topics, this.keys.draining], [topic, cutoff])) === 1;
  }

  async isSubscribed(topic: string): Promise<boolean> {
    return (await this.connection.clientFor(this.shard).sismember(this.keys.topics, topic)) === 1;
  }

  async drainCutoff(topic: string): Promise<string | undefined> {
    return (await this.connection.clientFor(this.shard).hget(this.keys.draining, topic)) ?? undefined;
  }

  async forgetDrain(topic: string): Promise<void> {
    await this.connection.clientFor(this.shard).hdel(this.keys.draining, topic);
  }
}
