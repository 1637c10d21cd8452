import type { Codec } from '../codec.js';
import { withoutPayload, type Envelope } from '../envelope.js';
import { ResoluteError } from '../errors.js';
import { faultPoint } from '../fault-points.js';
import type { Logger } from '../logger.js';
import { delOp, NAMESPACES, putOp, type Store, type StoreOperation } from '../store.js';
import { destinationFromKey, type Destination, type SendOutcome, type Transport } from '../transport.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import type { BusEvents } from './bus-events.js';
import { observeStoredId } from './observe-stored-id.js';
import { PagedQueue, type PagedItem } from './paged-queue.js';
import { sendSafely } from './send-safely.js';
import { packRecord, type DeadMeta } from './record.js';

export interface OutboxRelayOptions {
  /** Most messages per transport `send` call (also capped by the transport's maxBatch). */
  batchSize: number;
  /** Most `send` calls in flight per destination: the window that keeps the wire busy while acks come back. */
  maxInFlightBatches: number;
  /** Most deliveries held in memory per destination; the rest wait on disk (bounded memory for any backlog). */
  memoryPerDestination: number;
  /** Backoff between tries to a destination that failed. Outgoing deliveries never expire on their own. */
  retry: BackoffOptions;
}

/** A delivery ready for the relay: the caller has written it to the outbox already. */
export interface PreparedDelivery {
  readonly key: string;
  readonly destinationKey: string;
  /** Its header: the payload (undefined here) is in `bytes`, so the relay does not keep every payload in flight. */
  readonly envelope: Envelope;
  readonly bytes: Buffer;
}

interface LaneItem {
  envelope: Envelope;
  bytes: Buffer;
}

/** One destination's slice of the outbox: its own order, window and backoff, so a dead peer holds back no one else. */
interface Lane {
  readonly key: string;
  readonly destination: Destination;
  readonly queue: PagedQueue<LaneItem>;
  inFlight: number;
  failures: number;
  retryTimer: NodeJS.Timeout | undefined;
}

const KEY_SEPARATOR = '\u0000';

export function outboxKey(destinationKey: string, id: string): string {
  return destinationKey + KEY_SEPARATOR + id;
}

/**
 * Moves deliveries from the outbox to the transport. A delivery leaves the outbox only when the transport reports it
 * acknowledged; a failed one goes back to the head of its destination's lane and the lane waits with backoff.
 */
export class OutboxRelay {
  private readonly lanes = new Map<string, Lane>();
  private readonly sending = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private readonly corrupt: { key: string; value: Buffer }[] = [];
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly transport: Transport,
    private readonly codec: Codec,
    private readonly options: OutboxRelayOptions,
    private readonly events: BusEvents,
    private readonly logger: Logger,
  ) {}

  /** Finds every destination with deliveries left from an earlier run and starts sending them. */
  async start(): Promise<void> {
    let from = '';
    for (;;) {
      let found: string | undefined;
      for await (const entry of this.store.entries(NAMESPACES.outbox, { gte: from, limit: 1 })) found = entry.key;
      if (found === undefined) break;
      const destinationKey = found.slice(0, found.indexOf(KEY_SEPARATOR));
      // Keep new ids above the newest one waiting here, even if the clock stepped back since it was written.
      const range = { gte: destinationKey + KEY_SEPARATOR, lt: destinationKey + '\u0001', reverse: true, limit: 1 };
      for await (const last of this.store.entries(NAMESPACES.outbox, range)) observeStoredId(last.key.slice(destinationKey.length + 1), NAMESPACES.outbox, this.logger, this.events);
      this.pump(this.lane(destinationKey, false));
      // Every key of this destination sorts below `<destinationKey>\u0001`: skip straight past them.
      from = destinationKey + '\u0001';
    }
  }

  /** Deliveries now durably in the outbox. */
  offer(deliveries: readonly PreparedDelivery[]): void {
    if (this.closed) return;
    const touched = new Set<Lane>();
    for (const delivery of deliveries) {
      const lane = this.lane(delivery.destinationKey, true);
      lane.queue.offer(delivery.key, { envelope: delivery.envelope, bytes: delivery.bytes });
      touched.add(lane);
    }
    for (const lane of touched) this.pump(lane);
  }

  /** True when nothing for this destination is in the relay's hands: no lane, so nothing waiting or in flight. */
  isIdle(destinationKey: string): boolean {
    return !this.lanes.has(destinationKey);
  }

  /** Deliveries held in memory or in flight, for stats. */
  get pendingInMemory(): number {
    let total = 0;
    for (const lane of this.lanes.values()) total += lane.queue.held;
    return total;
  }

  /** Lets in-flight sends finish until `deadline`, then aborts them (their deliveries stay in the outbox). */
  async close(deadline: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const lane of this.lanes.values()) clearTimeout(lane.retryTimer);
    const timer = setTimeout(() => this.abort.abort(), Math.max(0, deadline - Date.now()));
    await Promise.allSettled([...this.sending]);
    clearTimeout(timer);
  }

  private lane(destinationKey: string, startEmpty: boolean): Lane {
    let lane = this.lanes.get(destinationKey);
    if (lane === undefined) {
      const prefix = destinationKey + KEY_SEPARATOR;
      lane = {
        key: destinationKey,
        destination: destinationFromKey(destinationKey),
        queue: new PagedQueue<LaneItem>({
          store: this.store,
          namespace: NAMESPACES.outbox,
          gte: prefix,
          lt: destinationKey + '\u0001',
          capacity: this.options.memoryPerDestination,
          startEmpty,
          decode: (entry) => this.decode(entry.key, entry.value),
        }),
        inFlight: 0,
        failures: 0,
        retryTimer: undefined,
      };
      this.lanes.set(destinationKey, lane);
    }
    return lane;
  }

  private decode(key: string, value: Buffer): LaneItem | undefined {
    try {
      // The header is all the relay reads (the transport sends the bytes): no payload decoded per entry paged in.
      return { envelope: this.codec.decodeHeader?.(value) ?? withoutPayload(this.codec.decode(value)), bytes: value };
    } catch (error) {
      this.logger.error({ key, err: error }, 'outbox entry cannot be decoded: moved to the corrupt namespace');
      this.corrupt.push({ key, value });
      return undefined;
    }
  }

  private pump(lane: Lane): void {
    if (this.closed || lane.retryTimer !== undefined) return;
    const batchSize = Math.min(this.options.batchSize, this.transport.capabilities.maxBatch);
    while (lane.inFlight < this.options.maxInFlightBatches && lane.queue.readyCount > 0) {
      this.track(this.sendBatch(lane, lane.queue.take(batchSize)));
    }
    if (lane.queue.wantsFill) {
      this.track(
        lane.queue.fill().then(
          () => this.setAsideCorrupt().then(() => this.pump(lane)),
          (error: unknown) => this.fail(lane, [], error),
        ),
      );
    }
    if (lane.queue.idle && lane.inFlight === 0) this.lanes.delete(lane.key);
  }

  private track(work: Promise<void>): void {
    this.sending.add(work);
    void work.finally(() => this.sending.delete(work));
  }

  private async sendBatch(lane: Lane, items: PagedItem<LaneItem>[]): Promise<void> {
    lane.inFlight++;
    try {
      const { live, expired } = splitExpired(items, Date.now());
      const outcomes = live.length === 0 ? [] : await this.send(lane.destination, live);
      faultPoint('after-send');
      const delivered: PagedItem<LaneItem>[] = [];
      const retry: PagedItem<LaneItem>[] = [];
      const dead: { item: PagedItem<LaneItem>; error: ResoluteError }[] = [];
      outcomes.forEach((outcome, i) => {
        const item = live[i]!;
        if (outcome.ok) delivered.push(item);
        else if (outcome.error.retryable) retry.push(item);
        else dead.push({ item, error: outcome.error });
      });
      const operations: StoreOperation[] = [...delivered, ...expired].map((i) => delOp(NAMESPACES.outbox, i.key));
      for (const { item, error } of dead) {
        operations.push(delOp(NAMESPACES.outbox, item.key), putOp(NAMESPACES.dead, item.item.envelope.id, this.deadRecord(lane, item, error)));
      }
      // Relaxed: if a power cut loses this delete, the delivery is sent again and the receiver's dedupe drops it.
      if (operations.length > 0) await this.store.batch(operations, { durability: 'relaxed' });
      faultPoint('after-outbox-delete');
      for (const i of [...delivered, ...expired, ...dead.map((d) => d.item)]) lane.queue.release(i.key);
      for (const i of delivered) this.events.emit('delivered', { id: i.item.envelope.id, destination: lane.key });
      for (const i of expired) this.events.emit('expired', { id: i.item.envelope.id, destination: lane.key });
      for (const d of dead) this.events.emit('dead', { id: d.item.item.envelope.id, topic: d.item.item.envelope.topic, error: d.error });
      if (delivered.length > 0) lane.failures = 0;
      if (retry.length > 0) this.fail(lane, retry, (outcomes.find((o) => !o.ok) as { error: ResoluteError }).error);
    } catch (error) {
      // The store could not record the outcome: send again later (the receiver dedupes).
      this.fail(lane, items, error);
    } finally {
      lane.inFlight--;
      this.pump(lane);
    }
  }

  private send(destination: Destination, items: PagedItem<LaneItem>[]): Promise<SendOutcome[]> {
    return sendSafely(this.transport, items.map((i) => ({ destination, envelope: i.item.envelope, bytes: i.item.bytes })), this.abort.signal);
  }

  private fail(lane: Lane, items: PagedItem<LaneItem>[], error: unknown): void {
    lane.queue.putBack(items);
    if (this.closed || lane.retryTimer !== undefined) return;
    lane.failures++;
    const delay = backoffDelay(this.options.retry, lane.failures);
    this.events.emit('send-failed', { destination: lane.key, count: items.length, error, retryInMs: delay });
    this.logger.debug({ destination: lane.key, err: error, retryInMs: delay }, 'delivery failed: will retry');
    lane.retryTimer = setTimeout(() => {
      lane.retryTimer = undefined;
      this.pump(lane);
    }, delay);
    lane.retryTimer.unref?.();
  }

  private deadRecord(lane: Lane, item: PagedItem<LaneItem>, error: ResoluteError): Buffer {
    const meta: DeadMeta & { destination: string } = {
      attempts: lane.failures + 1,
      error: { code: error.code, message: error.message, name: error.name },
      failedAt: Date.now(),
      receivedAt: item.item.envelope.createdAt,
      done: [],
      destination: lane.key,
    };
    return packRecord(meta, item.item.bytes);
  }

  private async setAsideCorrupt(): Promise<void> {
    const entries = this.corrupt.splice(0);
    if (entries.length === 0) return;
    await this.store.batch(
      entries.flatMap((e) => [delOp(NAMESPACES.outbox, e.key), putOp(NAMESPACES.corrupt, `outbox:${e.key}`, e.value)]),
    );
    for (const e of entries) this.events.emit('corrupt', { namespace: NAMESPACES.outbox, key: e.key });
  }
}

const NONE_EXPIRED: readonly never[] = Object.freeze([]);

/** Splits a batch into deliveries still wanted and requests or replies past their deadline; events never expire. */
function splitExpired<T extends { item: LaneItem }>(items: T[], now: number): { live: T[]; expired: readonly T[] } {
  let live: T[] | undefined;
  let expired: T[] | undefined;
  items.forEach((i, index) => {
    const at = i.item.envelope.expiresAt;
    if (at !== undefined && at < now) {
      // The first expired one: the live ones so far are the items before it.
      live ??= items.slice(0, index);
      (expired ??= []).push(i);
    } else live?.push(i);
  });
  return { live: live ?? items, expired: expired ?? NONE_EXPIRED };
}
