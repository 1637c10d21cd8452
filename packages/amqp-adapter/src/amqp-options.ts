import { ResoluteError, type Logger } from '@resolute/core';
import { z } from 'zod';

const positiveInt = z.number().int().positive();

const tlsSchema = z
  .object({
    /** PEM CA certificate(s) the broker's certificate must chain to (default: Node's bundled CAs). */
    ca: z.union([z.string(), z.array(z.string())]).optional(),
    /** PEM client certificate and key, for brokers that authenticate clients by certificate (EXTERNAL). */
    cert: z.string().optional(),
    key: z.string().optional(),
    passphrase: z.string().optional(),
    /** Host name checked against the certificate (default: the URL's host). */
    servername: z.string().optional(),
    /** Default true. Turning it off accepts any certificate: for a local test broker only. */
    rejectUnauthorized: z.boolean().default(true),
  })
  .strict();

const backoffSchema = z
  .object({ initialDelayMs: positiveInt.default(100), maxDelayMs: positiveInt.default(5_000), factor: z.number().min(1).default(2) })
  .strict();

export const amqpOptionsSchema = z
  .object({
    /** amqp://user:pass@host:5672/vhost or amqps://... (percent-encode a vhost's slashes: `/` is `%2F`). */
    url: z.string().regex(/^amqps?:\/\/[^/]+/, 'must be a URL like amqp://user:pass@host:5672/vhost or amqps://...').default('amqp://127.0.0.1:5672'),
    /** Override the URL's credentials and vhost (so a secret can come from elsewhere than the URL). */
    username: z.string().min(1).optional(),
    password: z.string().optional(),
    vhost: z.string().min(1).optional(),
    /** TLS material for amqps:// URLs, passed to Node's tls.connect. */
    tls: tlsSchema.optional(),
    /** `quorum` queues are replicated (RabbitMQ >= 3.8); `classic` is a single node's. Every endpoint must agree. */
    queueType: z.enum(['classic', 'quorum']).default('classic'),
    /** The durable topic exchange events go through. */
    exchange: z.string().min(1).max(255).default('resolute.events'),
    /** An endpoint's queue is `<queuePrefix><endpoint name>`; other endpoints find it the same way. */
    queuePrefix: z.string().max(128).default('resolute.endpoint.'),
    /** Unacknowledged deliveries the broker hands this endpoint at once: the receive concurrency limit. */
    prefetch: positiveInt.max(65_535).default(256),
    /** Most messages per `send` call and per received batch handed to the bus. */
    maxBatch: positiveInt.max(10_000).default(256),
    /** Published messages awaiting the broker's confirm; past it `send` waits (up to sendTimeoutMs). */
    maxInFlight: positiveInt.default(2_048),
    /** AMQP heartbeat: a connection silent for about twice this is considered dead and re-dialled (0 disables). */
    heartbeatSeconds: z.number().int().min(0).max(600).default(10),
    /** How long `start` (and each reconnect attempt) may take to connect. */
    connectTimeoutMs: positiveInt.default(5_000),
    /** How long a send waits for a connection, a window slot or the socket to drain before failing (retryable). */
    sendTimeoutMs: positiveInt.default(5_000),
    /** A message the broker has not confirmed within this time is a failed (retryable) outcome. */
    confirmTimeoutMs: positiveInt.default(30_000),
    /** Backoff between reconnect attempts after the connection is lost. */
    reconnect: backoffSchema.default({ initialDelayMs: 100, maxDelayMs: 5_000, factor: 2 }),
    /** Pause before a batch the bus refused is requeued (doubles per consecutive refusal, up to 20x): no hot loop. */
    requeueDelayMs: positiveInt.default(100),
    /** How long `close` waits for outstanding confirms before settling them as failed. */
    closeTimeoutMs: positiveInt.default(2_000),
  })
  .strict();

export type AmqpOptionsInput = z.input<typeof amqpOptionsSchema> & { logger?: Logger };
export type AmqpOptions = z.output<typeof amqpOptionsSchema>;
export type AmqpTlsOptions = z.output<typeof tlsSchema>;

export function parseAmqpOptions(input: unknown): AmqpOptions {
  const result = amqpOptionsSchema.safeParse(input ?? {});
  if (!result.success) {
    const fields = result.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ResoluteError('INVALID_CONFIG', `invalid amqp-adapter options: ${fields}`, {
      retryable: false,
      details: { fields: result.error.issues.map((i) => i.path.map(String).join('.')) },
    });
  }
  if (result.data.tls !== undefined && !result.data.url.startsWith('amqps:')) {
    throw new ResoluteError('INVALID_CONFIG', 'invalid amqp-adapter options: tls: given with an amqp:// url: use amqps:// (or drop tls)', { retryable: false, details: { fields: ['tls'] } });
  }
  return result.data;
}

/** The URL amqplib dials: the configured one with credential, vhost and heartbeat overrides applied. */
export function connectionUrl(options: AmqpOptions): string {
  const url = new URL(options.url);
  if (options.username !== undefined) url.username = encodeURIComponent(options.username);
  if (options.password !== undefined) url.password = encodeURIComponent(options.password);
  if (options.vhost !== undefined) url.pathname = `/${encodeURIComponent(options.vhost)}`;
  url.searchParams.set('heartbeat', String(options.heartbeatSeconds));
  return url.toString();
}

/**
 * The user and password to log in with, handed to amqplib as PLAIN credentials rather than left in the URL:
 * amqplib decodes a URL's credentials with `unescape`, which turns a percent-encoded UTF-8 character (`é` is
 * `%C3%A9`) into two Latin-1 ones, so a non-ASCII user or password would be refused. Same rules as amqplib otherwise:
 * the options' username/password over the URL's; neither anywhere is guest/guest.
 */
export function connectionCredentials(options: AmqpOptions): { username: string; password: string } {
  const url = new URL(options.url);
  const username = options.username ?? decodeComponent(url.username);
  const password = options.password ?? decodeComponent(url.password);
  return username === '' && password === '' ? { username: 'guest', password: 'guest' } : { username, password };
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The URL without its password, for logs and error messages. */
export function redactedUrl(options: AmqpOptions): string {
  const url = new URL(options.url);
  if (url.password !== '') url.password = '***';
  if (options.vhost !== undefined) url.pathname = `/${encodeURIComponent(options.vhost)}`;
  return url.toString();
}
