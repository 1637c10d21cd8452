import type { Destination } from '@resolute/core';
import type { RedisConnection } from '../connection/redis-connection.js';

/** What a stream carries: an endpoint's commands, requests and replies (one group), or a topic's events (a group per subscriber). */
export type StreamKind = 'endpoint' | 'topic';

/** One stream: its Redis key and the name that picks its shard (and its Cluster hash tag). */
export interface StreamRef {
  readonly kind: StreamKind;
  /** `e:<endpoint>` or `t:<topic>` (core's destinationKey): the name the key and the shard are derived from. */
  readonly name: string;
  readonly key: string;
}

/** The entry field holding a message's bytes. */
export const MESSAGE_FIELD = 'm';

export function endpointStream(connection: RedisConnection, endpoint: string): StreamRef {
  const name = `e:${endpoint}`;
  return { kind: 'endpoint', name, key: connection.key(name, 'stream') };
}

export function topicStream(connection: RedisConnection, topic: string): StreamRef {
  const name = `t:${topic}`;
  return { kind: 'topic', name, key: connection.key(name, 'stream') };
}

export function destinationStream(connection: RedisConnection, destination: Destination): StreamRef {
  return destination.type === 'endpoint' ? endpointStream(connection, destination.address) : topicStream(connection, destination.topic);
}

/**
 * An endpoint's subscription keys, beside its stream (same hash tag, same shard): the set of topics it subscribes to,
 * read again at start, and the hash of topics it unsubscribed from and is still draining (topic -> cutoff id).
 */
export function subscriptionKeys(connection: RedisConnection, endpoint: string): { readonly topics: string; readonly draining: string } {
  const name = `e:${endpoint}`;
  return { topics: connection.key(name, 'topics'), draining: connection.key(name, 'draining') };
}

/** Compares two stream ids (`<ms>-<seq>`): negative, zero or positive. */
export function compareIds(a: string, b: string): number {
  const [am = 0n, as = 0n] = a.split('-').map((part) => BigInt(part));
  const [bm = 0n, bs = 0n] = b.split('-').map((part) => BigInt(part));
  if (am !== bm) return am < bm ? -1 : 1;
  return as === bs ? 0 : as < bs ? -1 : 1;
}
