import { ResoluteError } from '@resolute/core';
import { z } from 'zod';

const positiveInt = z.number().int().positive();
const redisUrl = z.string().regex(/^rediss?:\/\/[^/]*/, 'must be a URL like redis://[user:password@]host:6379[/db] or rediss://...');

const tlsSchema = z
  .object({
    /** PEM CA certificate(s) the server's certificate must chain to (default: Node's bundled CAs). */
    ca: z.union([z.string(), z.array(z.string())]).optional(),
    /** PEM client certificate and key, for servers that require client certificates (tls-auth-clients yes). */
    cert: z.string().optional(),
    key: z.string().optional(),
    /** Host name checked against the certificate (default: the host dialled). */
    servername: z.string().optional(),
    /** Default true. Turning it off accepts any certificate: for a local test server only. */
    rejectUnauthorized: z.boolean().default(true),
  })
  .strict();

const sentinelSchema = z
  .object({
    /** Sentinel addresses, `host:port`. */
    sentinels: z.array(z.string().regex(/^[^:]+:\d+$/, 'must be host:port')).min(1),
    /** The monitored master's name (`sentinel monitor <name> ...`). */
    name: z.string().min(1),
    /** The sentinels' own password, when they require one (the master's is `password`). */
    sentinelPassword: z.string().optional(),
  })
  .strict();

/**
 * Where Redis is and how to talk to it. Exactly one of `url` (one instance), `shards` (several independent
 * instances: each name lives on one of them, chosen by a stable hash), `cluster` (seed nodes of a Redis Cluster) or
 * `sentinel`. Without any, `redis://127.0.0.1:6379`.
 */
export const redisConnectionSchema = z
  .object({
    url: redisUrl.optional(),
    shards: z.array(redisUrl).min(1).optional(),
    cluster: z.object({ nodes: z.array(redisUrl).min(1) }).strict().optional(),
    sentinel: sentinelSchema.optional(),
    /** ACL user and password; override the URL's (so a secret can come from elsewhere than the URL). */
    username: z.string().min(1).optional(),
    password: z.string().optional(),
    /** TLS for rediss:// URLs, passed to Node's tls.connect. */
    tls: tlsSchema.optional(),
    /** Every key we write starts with `<prefix>:`. Several applications may share a Redis with different prefixes. */
    prefix: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, dot, dash, underscore (1-64)').default('resolute'),
    /** How long connecting (at start and per reconnect attempt) may take. */
    connectTimeoutMs: positiveInt.default(5_000),
    /** Longest pause between reconnect attempts (they start at 50 ms and double). */
    maxReconnectDelayMs: positiveInt.default(2_000),
    /**
     * Off by default. Makes every acknowledged write (a transport send, a queue push, a 'sync' store batch) wait with
     * `WAIT <count> <timeoutMs>` until `count` replicas have it, so a failover cannot lose it; a write fewer replicas
     * confirm in time fails with a retryable TIMEOUT. Costs a replica round trip per write (see replica-wait.ts).
     */
    replicas: z.object({ count: positiveInt.max(16), timeoutMs: positiveInt.max(60_000) }).strict().optional(),
  })
  .strict();

export type RedisConnectionInput = z.input<typeof redisConnectionSchema>;
export type RedisConnectionOptions = z.output<typeof redisConnectionSchema>;
export type RedisTlsOptions = z.output<typeof tlsSchema>;

/** Fields of a section that belong to the connection (the rest is the caller's own: transport or store options). */
export const CONNECTION_FIELDS: ReadonlySet<string> = new Set(Object.keys(redisConnectionSchema.shape));

/** Throws INVALID_CONFIG naming every bad field of `input`, under the name `what` (e.g. "redis-bus options"). */
export function parseWith<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const fields = result.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new ResoluteError('INVALID_CONFIG', `invalid ${what}: ${fields}`, {
    retryable: false,
    details: { fields: result.error.issues.map((i) => i.path.map(String).join('.')) },
  });
}

export function parseRedisConnection(input: unknown): RedisConnectionOptions {
  const options = parseWith(redisConnectionSchema, input, 'redis connection options');
  const given = (['url', 'shards', 'cluster', 'sentinel'] as const).filter((k) => options[k] !== undefined);
  if (given.length > 1) {
    throw new ResoluteError('INVALID_CONFIG', `invalid redis connection options: give only one of url, shards, cluster and sentinel (got ${given.join(' and ')})`, {
      retryable: false,
      details: { fields: given },
    });
  }
  const urls = [options.url, ...(options.shards ?? []), ...(options.cluster?.nodes ?? [])].filter((u): u is string => u !== undefined);
  const secure = urls.filter((u) => u.startsWith('rediss:'));
  if (secure.length > 0 && secure.length < urls.length) {
    throw new ResoluteError('INVALID_CONFIG', 'invalid redis connection options: mixes redis:// and rediss:// URLs: use rediss:// for every server or none', {
      retryable: false,
      details: { fields: ['url', 'shards', 'cluster.nodes'] },
    });
  }
  if (options.tls !== undefined && urls.length > 0 && secure.length === 0) {
    throw new ResoluteError('INVALID_CONFIG', 'invalid redis connection options: tls: given with redis:// URLs: use rediss:// (or drop tls)', {
      retryable: false,
      details: { fields: ['tls'] },
    });
  }
  return given.length === 0 ? { ...options, url: 'redis://127.0.0.1:6379' } : options;
}

/** A URL without its password, for logs and error messages. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
