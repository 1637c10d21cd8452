import type { RedisConnection } from '../connection/redis-connection.js';

/**
 * The Redis keys of one named store. All share the hash tag `{store:<name>}`, so on a Redis Cluster they sit in one
 * slot (one node) and one Lua script can apply a whole batch atomically; with `shards`, the store lives on the shard
 * `clientFor('store:<name>')` picks.
 *
 *     <prefix>:{store:<name>}:namespaces     set: namespaces that hold at least one key
 *     <prefix>:{store:<name>}:lock           string: the holder's JSON, with a time to live
 *     <prefix>:{store:<name>}:z:<namespace>  sorted set: the keys (every score 0, so ZRANGEBYLEX orders them)
 *     <prefix>:{store:<name>}:h:<namespace>  hash: key -> value
 *
 * Namespaces cannot hold ':' (NAMESPACE_PATTERN), so no two of these collide.
 */
export class StoreKeys {
  /** The name the connection shards and tags by: `store:<name>`. */
  readonly tag: string;
  readonly namespaces: string;
  readonly lock: string;
  /** Each namespace's keys, made once (every batch and read names them). */
  private readonly zsets = new Map<string, string>();
  private readonly hashes = new Map<string, string>();

  constructor(
    private readonly connection: RedisConnection,
    readonly name: string,
  ) {
    this.tag = storeTag(name);
    this.namespaces = connection.key(this.tag, 'namespaces');
    this.lock = connection.key(this.tag, 'lock');
  }

  zset(namespace: string): string {
    let key = this.zsets.get(namespace);
    if (key === undefined) this.zsets.set(namespace, (key = this.connection.key(this.tag, 'z', namespace)));
    return key;
  }

  hash(namespace: string): string {
    let key = this.hashes.get(namespace);
    if (key === undefined) this.hashes.set(namespace, (key = this.connection.key(this.tag, 'h', namespace)));
    return key;
  }
}

export function storeTag(name: string): string {
  return `store:${name}`;
}

/**
 * A SCAN MATCH pattern for the meta hash of every store under `prefix` (every opened store has one: it holds the
 * layout version), and how to read the store name back from a key it matched.
 */
export function metaHashPattern(prefix: string): string {
  return `${escapeGlob(prefix)}:{store:*}:h:meta`;
}

export function storeNameOfMetaKey(prefix: string, key: string): string | undefined {
  const head = `${prefix}:{store:`;
  const tail = '}:h:meta';
  if (!key.startsWith(head) || !key.endsWith(tail) || key.length <= head.length + tail.length) return undefined;
  return key.slice(head.length, -tail.length);
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
