import type { RedisConnection } from '../connection/redis-connection.js';

/**
 * The nine keys of one queue, in the order every queue script takes them (see lua/queue-attach-9.lua). All share
 * one hash tag, so a queue lives on one shard (or one Cluster slot) and a script may touch them together.
 */
export const QUEUE_KEY_PARTS = ['meta', 'list', 'msgs', 'notify', 'attachers', 'consumers', 'processing', 'owners', 'deliveries'] as const;

/** Where a queue's keys live: `<prefix>:{<tag>}:<base...>:<part>`. */
export interface QueueAddress {
  /** The hash tag and the shard key: `q:<name>` for a queue, `ch:<name>` for both queues of a channel. */
  readonly tag: string;
  /** Parts between the tag and the key's own part (a channel's role), or none. */
  readonly base: readonly string[];
  /** For messages and logs: `queue "orders"`, `channel "chat" role "server"`. */
  readonly display: string;
}

export function queueAddress(name: string): QueueAddress {
  return { tag: `q:${name}`, base: [], display: `queue "${name}"` };
}

export function queueKeys(connection: RedisConnection, address: QueueAddress): readonly string[] {
  return QUEUE_KEY_PARTS.map((part) => connection.key(address.tag, ...address.base, part));
}

/** Index of each key in `queueKeys` (for the few plain commands outside Lua). */
export const KEY = Object.fromEntries(QUEUE_KEY_PARTS.map((part, index) => [part, index])) as Record<(typeof QUEUE_KEY_PARTS)[number], number>;
