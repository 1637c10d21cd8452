import { faultPoint } from '../fault-points.js';
import { NAMESPACES, putOp, type Store } from '../store.js';
import { destinationFromKey, type SendOutcome, type Transport } from '../transport.js';
import type { BusEvents } from './bus-events.js';
import type { OutboxRelay, PreparedDelivery } from './outbox-relay.js';
import { sendSafely } from './send-safely.js';

interface Waiting {
  readonly deliveries: readonly PreparedDelivery[];
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * `outbox.direct`: with a transport whose broker keeps what it accepted (`capabilities.durable`), a message goes to
 * the broker first and is written to the outbox only if that send fails. Once the broker has it, it is as safe as an
 * outbox entry would be on a store no safer than the broker (a RedisStore on the Redis the transport writes to), so
 * this saves the outbox's write and delete per message. What fails (broker down, a timeout) is written to the outbox
 * and handed to the relay, which retries it as usual; only if that write fails too does the caller's promise reject.
 *
 * The messages submitted in one turn of the event loop share transport sends (at most `batchSize` each).
 */
export class DirectSender {
  private queued: Waiting[] = [];
  private scheduled = false;
  private readonly sending = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(
    private readonly store: Store,
    private readonly transport: Transport,
    private readonly relay: OutboxRelay,
    private readonly events: BusEvents,
    private readonly batchSize: number,
  ) {}

  /** Resolves once the broker has each delivery, or the outbox has those it did not take. */
  submit(deliveries: readonly PreparedDelivery[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ deliveries, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => this.flush());
    });
  }

  /** Sends what is queued, waits for every send until `deadline`, then aborts them (what fails goes to the outbox). */
  async close(deadline: number): Promise<void> {
    this.flush();
    const timer = setTimeout(() => this.abort.abort(), Math.max(0, deadline - Date.now()));
    await Promise.allSettled([...this.sending]);
    clearTimeout(timer);
  }

  private flush(): void {
    this.scheduled = false;
    const waiting = this.queued;
    this.queued = [];
    if (waiting.length === 0) return;
    const work = this.send(waiting);
    this.sending.add(work);
    void work.finally(() => this.sending.delete(work));
  }

  private async send(waiting: Waiting[]): Promise<void> {
    const deliveries = waiting.flatMap((w) => w.deliveries);
    const size = Math.max(1, Math.min(this.batchSize, this.transport.capabilities.maxBatch));
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
      try {
        await this.store.batch(failed.map((d) => putOp(NAMESPACES.outbox, d.key, d.bytes)));
        this.relay.offer(failed);
      } catch (error) {
        storeError = error;
      }
    }
    deliveries.forEach((d, i) => {
      if (outcomes[i]!.ok) this.events.emit('delivered', { id: d.envelope.id, destination: d.destinationKey });
    });
    const unsafe = new Set(storeError === undefined ? [] : failed);
    for (const w of waiting) {
      if (w.deliveries.some((d) => unsafe.has(d))) w.reject(storeError);
      else w.resolve();
    }
  }
}
