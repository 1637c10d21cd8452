import { ResoluteError, type OutgoingMessage, type SendOutcome } from '@resolute/core';
import { mapRedisError } from '../connection/map-redis-error.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import { execReplicated } from '../connection/replica-wait.js';
import type { RedisTransportSettings } from './redis-transport-options.js';
import type { RedisTransportStats } from './redis-transport-stats.js';
import { destinationStream, MESSAGE_FIELD, type StreamRef } from './stream-names.js';

const OK: SendOutcome = { ok: true };

/** The messages of one send call that go to one stream, in send order. */
interface StreamGroup {
  readonly stream: StreamRef;
  readonly indexes: number[];
}

function failed(error: ResoluteError): SendOutcome {
  return { ok: false, error };
}

/**
 * Appends messages to their streams: one XADD per message, the messages of one stream in one pipeline (a Cluster
 * pipeline must stay on one slot, and one stream is one slot), all streams of a call at once. An XADD's reply means
 * Redis has the entry (with `appendfsync always`, on disk); with the connection's `replicas`, a WAIT in the same
 * pipeline must also confirm it on that many replicas, or the stream's whole group fails retryably (replica-wait.ts).
 * Events go with NOMKSTREAM: a topic stream exists only
 * while some endpoint subscribes to it, so an event nobody subscribes to is not stored at all (a success, counted as
 * unrouted), like a topic exchange without a binding. Every outcome settles: on Redis's answer, a Redis error,
 * `sendTimeoutMs` (TIMEOUT), the caller's abort (ABORTED) or close (CONNECTION_LOST).
 */
export class StreamSender {
  private readonly inFlight = new Set<(error: ResoluteError) => void>();
  private closed = false;

  constructor(
    private readonly connection: RedisConnection,
    private readonly settings: RedisTransportSettings,
    private readonly stats: RedisTransportStats,
  ) {}

  async send(batch: readonly OutgoingMessage[], signal?: AbortSignal): Promise<SendOutcome[]> {
    if (this.closed) return this.fail(batch.length, closedError());
    if (signal?.aborted) return this.fail(batch.length, abortedError());
    const outcomes: SendOutcome[] = new Array<SendOutcome>(batch.length);
    const groups = new Map<string, StreamGroup>();
    batch.forEach((message, index) => {
      const stream = destinationStream(this.connection, message.destination);
      let group = groups.get(stream.key);
      if (group === undefined) groups.set(stream.key, (group = { stream, indexes: [] }));
      group.indexes.push(index);
    });
    let interrupt: (error: ResoluteError) => void = () => undefined;
    const interrupted = new Promise<ResoluteError>((resolve) => (interrupt = resolve));
    const timer = setTimeout(() => interrupt(new ResoluteError('TIMEOUT', `redis-bus: Redis did not answer within ${this.settings.sendTimeoutMs} ms (sendTimeoutMs): the message stays in the outbox and is sent again`)), this.settings.sendTimeoutMs);
    const onAbort = (): void => interrupt(abortedError());
    signal?.addEventListener('abort', onAbort, { once: true });
    this.inFlight.add(interrupt);
    try {
      await Promise.all(
        [...groups.values()].map(async (group) => {
          const result = await Promise.race([this.append(group, batch), interrupted]);
          group.indexes.forEach((index, i) => {
            outcomes[index] = result instanceof ResoluteError ? failed(result) : result[i]!;
          });
        }),
      );
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      this.inFlight.delete(interrupt);
    }
    for (const outcome of outcomes) {
      if (outcome.ok) this.stats.sent++;
      else this.stats.failed++;
    }
    return outcomes;
  }

  /** Refuses new sends, waits up to `timeoutMs` for Redis to answer the ones in flight, then fails the rest. */
  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    for (const interrupt of [...this.inFlight]) interrupt(closedError());
  }

  private async append(group: StreamGroup, batch: readonly OutgoingMessage[]): Promise<SendOutcome[]> {
    const { stream } = group;
    const what = `redis-bus: appending to ${stream.key}`;
    try {
      const replies = await execReplicated(this.connection.clientFor(stream.name), this.connection.options.replicas, (pipeline) => {
        for (const index of group.indexes) {
          const bytes = batch[index]!.bytes;
          if (stream.kind === 'topic') pipeline.xadd(stream.key, 'NOMKSTREAM', '*', MESSAGE_FIELD, bytes);
          else pipeline.xadd(stream.key, '*', MESSAGE_FIELD, bytes);
        }
      });
      return group.indexes.map((_, i) => {
        const [error, id] = replies[i] ?? [new Error('Connection lost: no reply to XADD'), undefined];
        if (error) return failed(mapRedisError(error, what));
        if (id === null) this.stats.unrouted++;
        return OK;
      });
    } catch (error) {
      const mapped = mapRedisError(error, what);
      return group.indexes.map(() => failed(mapped));
    }
  }

  private fail(count: number, error: ResoluteError): SendOutcome[] {
    this.stats.failed += count;
    return Array.from({ length: count }, () => failed(error));
  }
}

function closedError(): ResoluteError {
  return new ResoluteError('CONNECTION_LOST', 'redis-bus: the transport is closed: the message stays in the outbox');
}

function abortedError(): ResoluteError {
  return new ResoluteError('ABORTED', 'redis-bus: send aborted before Redis answered (the message may still arrive)');
}
