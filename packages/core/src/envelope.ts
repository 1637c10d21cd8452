import { ResoluteError } from './errors.js';
import { newId } from './ids.js';
import { randomView } from './random-pool.js';

export type MessageKind = 'event' | 'command' | 'request' | 'reply';
export const MESSAGE_KINDS: readonly MessageKind[] = ['event', 'command', 'request', 'reply'];

/**
 * What travels between buses. Everything but `payload` is routing and bookkeeping; transports move it as it is.
 */
export interface Envelope<P = unknown> {
  /** ULID: unique and sortable by creation time; the inbox dedupes on it. */
  readonly id: string;
  readonly kind: MessageKind;
  /** The event topic, or the command/request type; a reply carries its request's type. */
  readonly topic: string;
  readonly payload: P;
  /** String headers; `traceparent` (W3C trace context) is always set so a trace follows the message. */
  readonly headers: Readonly<Record<string, string>>;
  /** Name of the bus that created the message. */
  readonly source: string;
  /** Address replies go to (requests), or the subscriber's address (subscription control messages). */
  readonly replyTo?: string;
  /** On a reply: the id of the request it answers. */
  readonly correlationId?: string;
  /** How many times handlers have already failed on this message at the receiver (0 on first delivery). */
  readonly attempt: number;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  /** Milliseconds since the epoch after which nobody wants the message any more (requests with a timeout). */
  readonly expiresAt?: number;
}

export interface CreateEnvelopeInput<P> {
  kind: MessageKind;
  topic: string;
  payload: P;
  source: string;
  headers?: Record<string, string>;
  replyTo?: string;
  correlationId?: string;
  expiresAt?: number;
  id?: string;
  now?: number;
}

const TOPIC_PATTERN = /^[^\s\u0000-\u001f\u007f]{1,255}$/u;

/** Topics, types and endpoint names: 1–255 visible characters, no whitespace or control characters. */
export function assertName(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || !TOPIC_PATTERN.test(value)) {
    throw new ResoluteError(
      'INVALID_ARGUMENT',
      `${what} must be a string of 1-255 visible characters without spaces (got ${JSON.stringify(value)})`,
      { details: { field: what } },
    );
  }
}

/** A fresh W3C traceparent, or a child span of the given parent (same trace id, new span id). */
export function traceparent(parent?: string): string {
  const match = parent === undefined ? null : /^00-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$/.exec(parent);
  if (match === null) {
    // A new trace: trace id and span id from one draw of 24 random bytes (one hex conversion instead of two).
    const hex = randomView(24).toString('hex');
    return `00-${hex.slice(0, 32)}-${hex.slice(32)}-01`;
  }
  return `00-${match[1]!}-${randomView(8).toString('hex')}-${match[2]!}`;
}

export function createEnvelope<P>(input: CreateEnvelopeInput<P>): Envelope<P> {
  assertName(input.topic, 'topic');
  const now = input.now ?? Date.now();
  const headers = { ...input.headers };
  headers.traceparent = traceparent(headers.traceparent);
  return {
    id: input.id ?? newId(now),
    kind: input.kind,
    topic: input.topic,
    payload: input.payload,
    headers,
    source: input.source,
    ...(input.replyTo === undefined ? {} : { replyTo: input.replyTo }),
    ...(input.correlationId === undefined ? {} : { correlationId: input.correlationId }),
    attempt: 0,
    createdAt: now,
    ...(input.expiresAt === undefined ? {} : { expiresAt: input.expiresAt }),
  };
}

/**
 * A copy of the envelope without its payload: what the outbox keeps beside the encoded bytes (ids, routing, expiry),
 * so that messages waiting to be sent do not also hold their decoded payloads in memory.
 */
export function withoutPayload(envelope: Envelope): Envelope {
  return { ...envelope, payload: undefined };
}
