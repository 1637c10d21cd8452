import { faultPoint } from '../fault-points.js';
import { NAMESPACES, putOp, type Store, type StoreOperation } from '../store.js';
import { destinationFromKey, type SendOutcome, type Transport } from '../transport.js';
import type { BusEvents } from './bus-events.js';
import type { OutboxRelay, OutboxRelayOptions, PreparedDelivery } from './outbox-relay.js';
import { sendSafely } from './send-safely.js';

interface Waiting {
  readonly deliveries: readonly PreparedDelivery[];
  resolve(): void;
  reject(error: unknown): void;
}

/** Writes deliveries to the outbox and hands them to the relay (the bus's path when not sending direct). */
export type OutboxWriter = (operations: StoreOperation[], deliveries: PreparedDelivery[]) => Promise<void>;

/**
 * `outbox.direct`: with a transport whose broker keeps what it accepted (`capabilities.durable`), a message goes to
 * the broker first and is written to the outbox only if that send fails. Once the broker has it, it is as safe as an
 * outbox entry would be on a store no safer than the broker (a RedisStore on the Redis the transport writes to), so
 * this saves the outbox's write and delete per message. What fails (broker down, a timeout) is written to the outbox
 * and handed to the relay, which retries it as usual; only if that write fails too does the caller's promise reject.
 *
 * Order: a destination is "held" while the relay has a lane for it, while an outbox write for it is in flight (the
 * bus's, or ours after a refusal): new messages for it then go through the outbox too, behind what waits there. A
 * direct send already in flight when the broker starts refusing can still land before the refused ones.
 *
 * The messages submitted in one turn of the event loop share transport sends of at most `batchSize`, with at most
 * `maxInFlightBatches` sends in flight (more wait in memory, each with its caller's promise). After close starts the
 * bus takes no new message; what is queued is sent, and what fails then goes to the outbox.
 */
export class DirectSender {
  private queued: Waiting[] = [];
  private scheduled = false;
  private inFlight = 0;
  private readonly sending = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  /** Outbox writes in flight, by destination key. */
  private readonly held = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly transport: Transport,
    private readonly relay: OutboxRelay,
    private readonly events: BusEvents,
    private readonly options: Pick<OutboxRelayOptions, 'batchSize' | 'maxInFlightBatches'>,
  ) {}

  /**
   * Resolves once the broker has each delivery, or the outbox has those it did not take. Goes through `viaOutbox`
   * instead when a destination is held (see above).
   */
  async write(operations: StoreOperation[], deliveries: PreparedDelivery[], viaOutbox: OutboxWriter): Promise<void> {
    if (deliveries.every((d) => this.relay.isIdle(d.destinationKey) && !this.held.has(d.destinationKey))) {
      return new Promise<void>((resolve, reject) => {
        this.queued.push({ deliveries, resolve, reject });
        if (this.scheduled) return;
        this.scheduled = true;
        setImmediate(() => this.flush());
      });
    }
    this.hold(deliveries, 1);
    try {
      await viaOutbox(operations, deliveries);
    } finally {
      this.hold(deliveries, -1);
    }
  }

  /** Sends what is queued, waits for every send until `deadline`, then aborts them (what fails goes to the outbox). */
  async close(deadline: number): Promise<void> {
    const timer = setTimeout(() => this.abort.abort(), Math.max(0, deadline - Date.now()));
    while (this.queued.length > 0 || this.sending.size > 0) {
      this.flush();
      await Promise.allSettled([...this.sending]);
    }
    clearTimeout(timer);
  }

  private hold(deliveries: readonly PreparedDelivery[], by: 1 | -1): void {
    for (const { destinationKey: key } of deliveries) {
      const count = (this.held.get(key) ?? 0) + by;
      if (count === 0) this.held.delete(key);
      else this.held.set(key, count);
    }
  }

  private flush(): void {
    this.scheduled = false;
    const size = Math.max(1, Math.min(this.options.batchSize, this.transport.capabilities.maxBatch));
    while (this.queued.length > 0 && this.inFlight < this.options.maxInFlightBatches) {
      // Whole messages per send, up to `size` deliveries (one message with more goes alone).
      let count = 0;
      let taken = 0;
      while (taken < this.queued.length && (taken === 0 || count + this.queued[taken]!.deliveries.length <= size)) count += this.queued[taken++]!.deliveries.length;
      const work = this.send(this.queued.splice(0, taken), size);
      this.inFlight++;
      this.sending.add(work);
      void work.finally(() => {
        this.inFlight--;
        this.sending.delete(work);
        this.flush();
      });
    }
  }

  private async send(waiting: Waiting[], size: number): Promise<void> {
    const deliveries = waiting.flatMap((w) => w.deliveries);
    const sends: Promise<SendOutcome[]>[] = [];
    for (let from = 0; from < deliveries.length; from += size) {
      const batch = deliveries.slice(from, from + size).map((d) => ({ destination: destinationFromKey(d.destinationKey), envelope: d.envelope, bytes: d.bytes }));
      sends.push(sendSafely(this.transport, batch, this.abort.signal));
    }
    const outcomes = (await Promise.all(sends)).flat();
    faultPoint('after-send');
    const failed = deliveries.filter((_, i) => !outcomes[i]!.ok);
    let storeError: unknown;
    if (failed.length > 0) {
      // Held from now until the relay has them, so a message submitted meanwhile does not overtake them.
      this.hold(failed, 1);
      try {
        this.reportFailures(outcomes, deliveries);
        await this.store.batch(failed.map((d) => putOp(NAMESPACES.outbox, d.key, d.bytes)));
        faultPoint('after-outbox-write');
        this.relay.offer(failed);
      } catch (error) {
        storeError = error;
      } finally {
        this.hold(failed, -1);
      }
    }
    const unsafe = new Set(storeError === undefined ? [] : failed);
    for (const w of waiting) {
      const first = w.deliveries[0]!.envelope;
      if (w.deliveries.some((d) => unsafe.has(d))) w.reject(storeError);
      else {
        this.events.emit('published', { id: first.id, topic: first.topic, kind: first.kind, deliveries: w.deliveries.length });
        w.resolve();
      }
    }
    deliveries.forEach((d, i) => {
      if (outcomes[i]!.ok) this.events.emit('delivered', { id: d.envelope.id, destination: d.destinationKey });
    });
  }

  /** One `send-failed` per destination refused: the relay retries them at once, then with its backoff. */
  private reportFailures(outcomes: readonly SendOutcome[], deliveries: readonly PreparedDelivery[]): void {
    const byDestination = new Map<string, { count: number; error: unknown }>();
    deliveries.forEach((d, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) return;
      const entry = byDestination.get(d.destinationKey) ?? { count: 0, error: outcome.error };
      entry.count++;
      byDestination.set(d.destinationKey, entry);
    });
    for (const [destination, { count, error }] of byDestination) this.events.emit('send-failed', { destination, count, error, retryInMs: 0 });
  }
}
