import { ResoluteError, type OutgoingMessage, type SendOutcome } from '@resolute/core';
import { mapRedisError } from '../connection/map-redis-error.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import { runReplicated } from '../connection/replica-wait.js';
import type { RedisTransportSettings } from './redis-transport-options.js';
import type { RedisTransportStats } from './redis-transport-stats.js';
import { destinationStream, MESSAGE_FIELD, type StreamRef } from './stream-names.js';
import { STREAM_SCRIPTS } from './stream-scripts.js';

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
 * Appends messages to their streams: the messages of one stream in one call of stream-append-1.lua (an entry each, in
 * order; one stream is one Cluster slot), all streams of a call at once. The script's reply means Redis has every
 * entry (with `appendfsync always`, on disk; kept whole across crashes only with `aof-load-truncated no`, see
 * connection/durability.ts); with the connection's `replicas`, a WAIT right behind it must also
 * confirm them on that many replicas, or the stream's whole group fails retryably (replica-wait.ts). An error fails
 * the whole group, as mapRedisError classes it; should it come after some entries were appended, they are sent again
 * with the rest and the receiver's dedupe drops the copies.
 * Events are appended only to a topic stream that exists: it exists only while some endpoint subscribes to it, so an
 * event nobody subscribes to is not stored at all (a success, counted as unrouted), like a topic exchange without a
 * binding. Every outcome settles: on Redis's answer, a Redis error, `sendTimeoutMs` (TIMEOUT), the caller's abort
 * (ABORTED) or close (CONNECTION_LOST).
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
    const args: Array<string | Buffer> = [stream.kind === 'topic' ? '1' : '0', MESSAGE_FIELD];
    for (const index of group.indexes) args.push(batch[index]!.bytes);
    try {
      const appended = await runReplicated(STREAM_SCRIPTS.append, this.connection.clientFor(stream.name), [stream.key], args, this.connection.options.replicas);
      if (appended === 0) this.stats.unrouted += group.indexes.length;
      return group.indexes.map(() => OK);
    } catch (error) {
      const mapped = mapRedisError(error, `redis-bus: appending to ${stream.key}`);
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
