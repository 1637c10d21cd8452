import { DEAD_HEADERS, ResoluteError, type Envelope, type OutgoingMessage, type SendOutcome } from '@resolute/core';
import type { AmqpConnector } from './amqp-connector.js';
import type { AmqpOptions } from './amqp-options.js';
import type { Session } from './amqp-session.js';
import type { AmqpStats } from './amqp-stats.js';
import { mapAmqpError } from './map-amqp-error.js';
import { ensureQueue, queueName } from './topology.js';

const OK: SendOutcome = { ok: true };

/** One published message waiting for its confirm. `settle` is idempotent: the first outcome wins. */
interface Pending {
  readonly session: Session;
  settle: (outcome: SendOutcome) => void;
}

function failed(error: ResoluteError): SendOutcome {
  return { ok: false, error };
}

/**
 * Publishes on the session's confirm channel with a bounded window of unconfirmed messages. Every outcome settles:
 * on the broker's ack (ok), nack (BACKPRESSURE), a mandatory return (UNREACHABLE), the session's death
 * (CONNECTION_LOST), the confirm timeout (TIMEOUT), the caller's abort (ABORTED) or close (CONNECTION_LOST).
 */
export class ConfirmPublisher {
  private readonly pending = new Set<Pending>();
  private readonly slotWaiters = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly options: AmqpOptions,
    private readonly connector: AmqpConnector,
    private readonly stats: AmqpStats,
  ) {}

  get inFlight(): number {
    return this.pending.size;
  }

  async send(batch: readonly OutgoingMessage[], signal?: AbortSignal): Promise<SendOutcome[]> {
    if (this.closed) return batch.map(() => failed(closedError()));
    const session = await this.connector.waitForSession(this.options.sendTimeoutMs, signal);
    if (signal?.aborted) return batch.map(() => failed(abortedError()));
    if (session === undefined) {
      const error = this.closed ? closedError() : new ResoluteError('UNREACHABLE', `amqp-adapter: not connected to the broker within ${this.options.sendTimeoutMs} ms: kept in the outbox, sent after reconnecting`);
      return batch.map(() => failed(error));
    }
    const outcomes: Array<Promise<SendOutcome>> = [];
    const settlers: Array<(outcome: SendOutcome) => void> = [];
    const timer = setTimeout(() => settlers.forEach((s) => s(failed(new ResoluteError('TIMEOUT', `amqp-adapter: the broker did not confirm within ${this.options.confirmTimeoutMs} ms: sent again`)))), this.options.confirmTimeoutMs);
    const onAbort = (): void => settlers.forEach((s) => s(failed(abortedError())));
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (const message of batch) {
        // Wrapped so the await covers only the write, not the confirm: the window fills, round trips overlap.
        const { outcome } = await this.publishOne(session, message, signal, settlers);
        outcomes.push(outcome);
      }
      return await Promise.all(outcomes);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The session died: every message it had not confirmed fails, to be sent again after recovery. */
  sessionLost(session: Session, cause: unknown): void {
    const error = new ResoluteError('CONNECTION_LOST', 'amqp-adapter: the connection closed before the broker confirmed: sent again after reconnecting', { cause });
    for (const p of [...this.pending]) if (p.session === session) p.settle(failed(error));
  }

  /** Waits up to `timeoutMs` for outstanding confirms, then fails the rest. */
  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    const deadline = Date.now() + timeoutMs;
    while (this.pending.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const p of [...this.pending]) p.settle(failed(closedError()));
    for (const wake of [...this.slotWaiters]) wake();
  }

  private async publishOne(session: Session, message: OutgoingMessage, signal: AbortSignal | undefined, settlers: Array<(o: SendOutcome) => void>): Promise<{ outcome: Promise<SendOutcome> }> {
    const now = (o: SendOutcome): { outcome: Promise<SendOutcome> } => ({ outcome: Promise.resolve(o) });
    if (signal?.aborted) return now(failed(abortedError()));
    if (session.dead || this.closed) return now(failed(this.closed ? closedError() : lostError()));
    const { destination, envelope, bytes } = message;
    let exchange = this.options.exchange;
    let routingKey: string;
    if (destination.type === 'endpoint') {
      exchange = '';
      routingKey = queueName(this.options, destination.address);
      try {
        await ensureQueue(session, this.options, routingKey);
      } catch (error) {
        return now(failed(mapAmqpError(error, `amqp-adapter: declaring the queue ${routingKey} before sending to it`)));
      }
    } else {
      routingKey = destination.topic;
    }
    if (!(await this.waitForSlot(signal))) return now(failed(this.closed ? closedError() : new ResoluteError('BACKPRESSURE', `amqp-adapter: ${this.options.maxInFlight} messages await the broker's confirm: sent again later`)));
    if (session.needsDrain && !(await this.connector.waitForDrain(session, this.options.sendTimeoutMs, signal))) {
      return now(failed(session.dead ? lostError() : new ResoluteError('BACKPRESSURE', `amqp-adapter: the socket's write buffer did not drain within ${this.options.sendTimeoutMs} ms: sent again later`)));
    }
    if (session.dead) return now(failed(lostError()));
    const outcome = new Promise<SendOutcome>((resolve) => {
      const entry: Pending = {
        session,
        settle: (outcome) => {
          if (!this.pending.delete(entry)) return;
          if (outcome.ok) this.stats.confirmed++;
          else this.stats.failed++;
          resolve(outcome);
          this.releaseSlot();
        },
      };
      this.pending.add(entry);
      settlers.push((outcome) => entry.settle(outcome));
      try {
        const written = session.publish.publish(
          exchange,
          routingKey,
          bytes,
          { persistent: true, contentType: 'application/octet-stream', messageId: envelope.id, type: envelope.kind, timestamp: Math.floor(Date.now() / 1000), mandatory: destination.type === 'endpoint', headers: deadLetterHeaders(envelope) },
          (error: unknown) => {
            if (error) return entry.settle(failed(mapAmqpError(error, `amqp-adapter: publishing to ${routingKey}`)));
            if (session.returned.delete(envelope.id)) {
              this.stats.returned++;
              // Unroutable: the queue was deleted after we declared it. Declare it again on the next attempt.
              session.declared.delete(routingKey);
              return entry.settle(failed(new ResoluteError('UNREACHABLE', `amqp-adapter: the broker had no queue ${routingKey} for the message (returned): declared again and resent`)));
            }
            entry.settle(OK);
          },
        );
        if (!written) session.needsDrain = true;
      } catch (error) {
        entry.settle(failed(mapAmqpError(error, `amqp-adapter: publishing to ${routingKey}`)));
      }
    });
    return { outcome };
  }

  private async waitForSlot(signal?: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + this.options.sendTimeoutMs;
    while (this.pending.size >= this.options.maxInFlight) {
      if (this.closed || signal?.aborted || Date.now() >= deadline) return false;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.slotWaiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(1, deadline - Date.now()));
        this.slotWaiters.add(done);
      });
    }
    return !this.closed && !signal?.aborted;
  }

  private releaseSlot(): void {
    const first = this.slotWaiters.values().next();
    if (!first.done) first.value();
  }
}

function closedError(): ResoluteError {
  return new ResoluteError('CONNECTION_LOST', 'amqp-adapter: the transport is closed: the message stays in the outbox');
}

function lostError(): ResoluteError {
  return new ResoluteError('CONNECTION_LOST', 'amqp-adapter: the connection was lost: sent again after reconnecting');
}

function abortedError(): ResoluteError {
  return new ResoluteError('ABORTED', 'amqp-adapter: send aborted before the broker confirmed (the message may still arrive)');
}

/**
 * A dead-letter copy (see the bus's `deadLetters.forwardTo`) carries its reason as AMQP headers too, so the dead-letter
 * queue reads in the RabbitMQ management UI or any AMQP client without decoding the body. Other messages carry none
 * (a headers table per message costs encoding time on the hot path).
 */
function deadLetterHeaders(envelope: Envelope): Record<string, string> | undefined {
  if (envelope.headers[DEAD_HEADERS.error] === undefined) return undefined;
  const headers: Record<string, string> = {};
  for (const name of Object.values(DEAD_HEADERS)) {
    const value = envelope.headers[name];
    if (value !== undefined) headers[`x-${name}`] = value;
  }
  headers['x-resolute-topic'] = envelope.topic;
  return headers;
}
