import type { Codec } from '../codec.js';
import type { Envelope } from '../envelope.js';
import { ResoluteError, serializeError } from '../errors.js';
import { faultPoint } from '../fault-points.js';
import type { Logger } from '../logger.js';
import { delOp, NAMESPACES, putOp, type Store, type StoreOperation } from '../store.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import type { BusEvents } from './bus-events.js';
import { dedupeOps } from './dedupe.js';
import type { HandlerRegistry } from './handler-registry.js';
import type { PreparedDelivery } from './outbox-relay.js';
import { ownBytes } from './own-bytes.js';
import { PagedQueue, type PagedItem } from './paged-queue.js';
import { runHandlers } from './run-handlers.js';
import { packRecord, unpackRecord, type DeadMeta, type InboxMeta } from './record.js';

export interface DispatcherOptions {
  /** Handler runs at once, over all topics. */
  concurrency: number;
  /**
   * Most handled messages whose outcome (completion, retry or dead letter) is still being written. A handler's slot
   * is free as soon as the handler returns, so the writes of many handled messages share one store write (group
   * commit) instead of at most `concurrency` of them; this caps how many can wait, and so how many handled messages
   * a process crash can make run again (at most concurrency + completionWindow). Lower it to trade throughput for
   * fewer re-runs after a crash.
   */
  completionWindow: number;
  /** Tries (the first run included) before a message goes to the dead letters. */
  maxAttempts: number;
  retry: BackoffOptions;
  /** Most inbox messages held in memory (running, waiting for a retry, ready); the rest wait on disk. */
  memory: number;
  /**
   * When the transport may acknowledge a received message.
   * - `stored` (default): once it is durably in the inbox; handlers run afterwards, from the inbox. The sender or
   *   broker forgets it at once, so a slow or failing handler never holds up the transport.
   * - `handled`: once its handlers ran and the outcome is recorded (dedupe entry, reply), so the happy path writes
   *   nothing to the inbox: the broker's queue (or the sender's outbox) is what keeps the message until then. A
   *   message whose handler fails, or that no handler takes yet, is written to the inbox before the ack and goes on
   *   from there as in `stored` mode. Handlers must finish well within the transport's redelivery time (a Redis
   *   lease, a zmq-peer ack timeout), or the message is delivered again meanwhile. A handler must not wait for a
   *   reply (`bus.request`) on this bus: replies arrive through the same receiving path, which is held by the
   *   handlers waiting for them, so such requests time out. Use `stored` for those.
   */
  ack: 'stored' | 'handled';
}

export interface InboxItem {
  envelope: Envelope;
  bytes: Buffer;
  meta: InboxMeta;
}

/** The outcome of a message's handlers, for the bus to turn into a reply (requests) or nothing. */
/** `dead` is set when the failure was the last: the message is being dead-lettered after that many attempts. */
export type HandlingResult = { ok: true; value: unknown } | { ok: false; error: unknown; dead?: { attempts: number } };

/**
 * Builds the outbox entries that must be written in the same batch as the message's completion or dead letter: a
 * reply to a request, a copy forwarded to the dead-letter endpoint.
 */
export type CompletionHook = (envelope: Envelope, result: HandlingResult) => { readonly operations: readonly StoreOperation[]; readonly deliveries: readonly PreparedDelivery[] };

/**
 * What a handled message leaves behind: the store writes that record it, whether they must be synced, and what to do
 * once they are written (free memory, hand replies to the relay, emit events, schedule a retry).
 */
export interface Outcome {
  operations: StoreOperation[];
  /**
   * The id to record for dedupe in the same batch (a completed message): whoever writes the batch adds
   * `dedupeOps` for all of its handled ids at once, so they share one expiry record.
   */
  handled?: string;
  durable: boolean;
  after(): void;
}

const ALL_KEYS = { gte: '', lt: '\uffff' };
const RELAXED = { durability: 'relaxed' } as const;

/**
 * Runs handlers for inbox messages with bounded concurrency. A message leaves the inbox in the same atomic batch that
 * records its id for dedupe (and writes its reply): handled exactly once per id as far as the store can tell.
 * Failures are retried with backoff, the attempt count and the handlers already done kept in the inbox record so a
 * crash neither resets the count nor re-runs a handler that completed. With `ack: 'handled'` the receiver also runs
 * fresh messages here before they reach the inbox (`handleNow`), sharing the same handler slots.
 */
export class Dispatcher {
  private readonly queue: PagedQueue<InboxItem>;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<Promise<unknown>>();
  /** Outcomes of finished handler runs being written (see DispatcherOptions.completionWindow). */
  private readonly recording = new Set<Promise<void>>();
  /** handleNow calls waiting for a handler slot: served before the inbox queue, whose messages are already safe. */
  private readonly slotWaiters: (() => void)[] = [];
  /** Slots reserved for handleNow calls that have not started their work yet: taken synchronously by a call that found
   * a free slot, or handed to a woken waiter, which starts in its next microtask. */
  private reservedSlots = 0;
  /** Alternates freed slots between waiting handleNow calls and the inbox queue (see track). */
  private inboxTurn = false;
  private readonly abort = new AbortController();
  private readonly corrupt: { key: string; value: Buffer }[] = [];
  private readonly parkedTopics = new Set<string>();
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly codec: Codec,
    private readonly registry: HandlerRegistry,
    private readonly options: DispatcherOptions,
    private readonly events: BusEvents,
    private readonly logger: Logger,
    private readonly onComplete: CompletionHook,
    private readonly offerDeliveries: (deliveries: readonly PreparedDelivery[]) => void,
  ) {
    this.queue = new PagedQueue<InboxItem>({
      store,
      namespace: NAMESPACES.inbox,
      ...ALL_KEYS,
      capacity: options.memory,
      decode: (entry) => this.decode(entry.key, entry.value),
    });
  }

  start(): void {
    this.pump();
  }

  /** True while the id is in memory here (ready, running or waiting for a retry). */
  has(id: string): boolean {
    return this.queue.has(id);
  }

  /** A message now durably in the inbox. It may wait in memory for a while: it must not pin a transport's buffer. */
  offer(item: InboxItem): void {
    item.bytes = ownBytes(item.bytes);
    this.queue.offer(item.envelope.id, item);
    this.pump();
  }

  /**
   * `ack: 'handled'`: runs a fresh message's handlers now, before it is stored anywhere on this side, and returns what
   * the receiver writes (in its batch, before the transport acks) and does afterwards. A failure or a missing handler
   * becomes an inbox entry, from where the message goes on like any other.
   */
  async handleNow(item: InboxItem): Promise<Outcome> {
    const handlers = this.registry.handlersFor(item.envelope);
    if (handlers.length === 0) return this.toInbox(item);
    if (!this.reserveSlot()) await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    if (this.closed) {
      // Closing: no new handler runs (its signal would never abort). Safe in the inbox, it runs after the restart.
      this.reservedSlots--;
      this.handOnSlots();
      return this.toInbox(item);
    }
    const started = Date.now();
    const work = runHandlers(item, handlers, this.logger, this.abort.signal);
    this.reservedSlots--;
    this.track(work);
    const { value, failures } = await work;
    faultPoint('after-handler');
    try {
      return this.outcome(undefined, item, value, failures, started);
    } catch (error) {
      // The outcome could not be built (a reply or dead-letter copy that cannot be encoded, say): keep the message in
      // the inbox, where the stored-mode path retries the bookkeeping, rather than refusing its whole batch forever.
      this.logger.error({ err: error, id: item.envelope.id }, 'cannot record the handler outcome: kept in the inbox, will retry');
      return this.toInbox(item);
    }
  }

  /** A fresh message into the inbox, synced before the ack; from there it goes on as in `stored` mode. */
  private toInbox(item: InboxItem): Outcome {
    return { operations: [putOp(NAMESPACES.inbox, item.envelope.id, packRecord(item.meta, item.bytes))], durable: true, after: () => this.offer(item) };
  }

  /** A handler was registered: messages parked for lack of one may run now. */
  handlerAdded(topic: string): void {
    if (!this.parkedTopics.delete(topic)) return;
    this.queue.rewind();
    this.pump();
  }

  get inMemory(): number {
    return this.queue.held;
  }

  /** Stops taking work, lets running handlers finish until `deadline`, then aborts their signal. */
  async close(deadline: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    const timer = setTimeout(() => this.abort.abort(), Math.max(0, deadline - Date.now()));
    await Promise.allSettled([...this.running]);
    await Promise.allSettled([...this.recording]);
    clearTimeout(timer);
  }

  private pump(): void {
    if (this.closed) return;
    while (
      this.running.size + this.reservedSlots < this.options.concurrency &&
      this.recording.size < this.options.completionWindow &&
      this.queue.readyCount > 0
    ) {
      const next = this.queue.takeOne();
      if (next !== undefined) this.track(this.run(next));
    }
    if (this.queue.wantsFill) {
      this.queue.fill().then(
        () => this.setAsideCorrupt().then(() => this.pump()),
        (error: unknown) => this.logger.error({ err: error }, 'cannot read the inbox: will try again on the next message'),
      );
    }
  }

  /**
   * Reserves a free handler slot (counted in `reservedSlots`, so pump cannot take it before the caller starts its
   * work) and says true, or says false when the caller must queue in `slotWaiters`: wakeWaiter reserves the slot for
   * it then. Synchronous, so the common case costs no promise.
   */
  private reserveSlot(): boolean {
    if (this.slotWaiters.length > 0 || this.running.size + this.reservedSlots >= this.options.concurrency) return false;
    this.reservedSlots++;
    return true;
  }

  private track(work: Promise<unknown>): void {
    this.running.add(work);
    void work.finally(() => {
      this.running.delete(work);
      // When both a waiting handleNow and the inbox queue want the freed slot, they take turns: received messages
      // must not starve retries, leftovers of an earlier run or messages parked for a handler, nor the other way.
      const inboxWants = this.queue.readyCount > 0 && this.recording.size < this.options.completionWindow;
      this.inboxTurn = !this.inboxTurn;
      if (this.slotWaiters.length > 0 && !(inboxWants && this.inboxTurn)) this.wakeWaiter();
      this.pump();
      this.handOnSlots();
    });
  }

  /** Free slots nobody in the inbox queue took go to waiting handleNow calls. */
  private handOnSlots(): void {
    while (this.slotWaiters.length > 0 && this.running.size + this.reservedSlots < this.options.concurrency) this.wakeWaiter();
  }

  /** Reserves a slot for the oldest waiting handleNow, which turns it into tracked work when it resumes. */
  private wakeWaiter(): void {
    const waiter = this.slotWaiters.shift();
    if (waiter === undefined) return;
    this.reservedSlots++;
    waiter();
  }

  private async run({ key, item }: PagedItem<InboxItem>): Promise<void> {
    const wait = item.meta.notBefore - Date.now();
    if (wait > 0) return this.later(key, item, wait);
    const handlers = this.registry.handlersFor(item.envelope);
    if (handlers.length === 0) return this.park(key, item);
    const done = item.meta.done;
    const pending = done.length === 0 ? handlers : handlers.filter((h) => !done.includes(h.name));
    const started = Date.now();
    const { value, failures } = await runHandlers(item, pending, this.logger, this.abort.signal);
    faultPoint('after-handler');
    const record = this.record(key, item, value, failures, started);
    this.recording.add(record);
    void record.finally(() => {
      this.recording.delete(record);
      this.pump();
    });
  }

  private async record(key: string, item: InboxItem, value: unknown, failures: { name: string; error: unknown }[], started: number): Promise<void> {
    try {
      const outcome = this.outcome(key, item, value, failures, started);
      const operations = outcome.handled === undefined ? outcome.operations : [...outcome.operations, ...dedupeOps([outcome.handled], Date.now())];
      // Relaxed durability: the message is durably in the inbox, so a power cut that undoes this write only makes it
      // run again (at-least-once), which is no worse than a cut just before this write.
      await this.store.batch(operations, outcome.durable ? undefined : RELAXED);
      if (failures.length === 0) faultPoint('after-inbox-complete');
      outcome.after();
    } catch (error) {
      // The store refused the bookkeeping: keep the message in memory and try it again later.
      this.logger.error({ err: error, id: item.envelope.id }, 'cannot record the handler outcome: will retry');
      this.later(key, item, backoffDelay(this.options.retry, item.meta.attempts + 1));
    }
  }

  /**
   * How a handler run ends: completed, retried later or dead-lettered. `key` is the message's inbox key, or
   * undefined when it is not in the inbox (handleNow): then nothing is deleted there, and whatever is written must be
   * synced, since the transport forgets the message once it is acked.
   */
  private outcome(key: string | undefined, item: InboxItem, value: unknown, failures: { name: string; error: unknown }[], started: number): Outcome {
    if (failures.length === 0) return this.completed(key, item, { ok: true, value }, started);
    const first = failures[0]!.error;
    const attempts = item.meta.attempts + 1;
    const unrecoverable = failures.some((f) => f.error instanceof ResoluteError && !f.error.retryable);
    if (unrecoverable || attempts >= this.options.maxAttempts) return this.deadLettered(key, item, attempts, first);
    return this.retried(key, item, attempts, first);
  }

  private completed(key: string | undefined, item: InboxItem, result: HandlingResult, started: number): Outcome {
    const extra = this.onComplete(item.envelope, result);
    const operations = key === undefined ? [...extra.operations] : [delOp(NAMESPACES.inbox, key), ...extra.operations];
    return {
      operations,
      handled: item.envelope.id,
      // Out of the inbox, a reply exists only in this write: it must survive a power cut once the request is acked.
      durable: key === undefined && extra.operations.length > 0,
      after: () => {
        if (key !== undefined) this.queue.release(key);
        this.offerDeliveries(extra.deliveries);
        this.events.emit('handled', { id: item.envelope.id, topic: item.envelope.topic, attempts: item.meta.attempts + 1, durationMs: Date.now() - started });
      },
    };
  }

  private retried(key: string | undefined, item: InboxItem, attempts: number, error: unknown): Outcome {
    const serialized = serializeError(error);
    const delayMs = backoffDelay(this.options.retry, attempts);
    item.meta = { ...item.meta, attempts, notBefore: Date.now() + delayMs, lastError: { code: serialized.code, message: serialized.message } };
    return {
      operations: [putOp(NAMESPACES.inbox, key ?? item.envelope.id, packRecord(item.meta, item.bytes))],
      durable: key === undefined,
      after: () => {
        this.events.emit('retry', { id: item.envelope.id, topic: item.envelope.topic, attempt: attempts, delayMs, error });
        // From the inbox it waits in memory for its time; a fresh one joins the queue, which does the same.
        if (key !== undefined) this.later(key, item, delayMs);
        else this.offer(item);
      },
    };
  }

  private deadLettered(key: string | undefined, item: InboxItem, attempts: number, error: unknown): Outcome {
    const serialized = serializeError(error);
    const meta: DeadMeta = {
      attempts,
      error: { code: serialized.code, message: serialized.message, name: serialized.name },
      failedAt: Date.now(),
      receivedAt: item.meta.receivedAt,
      done: item.meta.done,
    };
    const extra = this.onComplete(item.envelope, { ok: false, error, dead: { attempts } });
    const operations = [putOp(NAMESPACES.dead, item.envelope.id, packRecord(meta, item.bytes)), ...dedupeOps([item.envelope.id], Date.now()), ...extra.operations];
    if (key !== undefined) operations.unshift(delOp(NAMESPACES.inbox, key));
    return {
      operations,
      durable: key === undefined,
      after: () => {
        if (key !== undefined) this.queue.release(key);
        this.offerDeliveries(extra.deliveries);
        this.logger.warn({ id: item.envelope.id, topic: item.envelope.topic, attempts, err: error }, 'message dead-lettered');
        this.events.emit('dead', { id: item.envelope.id, topic: item.envelope.topic, error });
      },
    };
  }

  /** Holds the message in memory (it stays "known") until its retry is due. */
  private later(key: string, item: InboxItem, delayMs: number): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.queue.putBack([{ key, item }]);
      this.pump();
    }, delayMs);
    timer.unref?.();
    this.timers.set(key, timer);
  }

  /** No handler for this topic yet: forget the message in memory (it stays in the inbox) until one registers. */
  private park(key: string, item: InboxItem): void {
    this.parkedTopics.add(item.envelope.topic);
    this.queue.release(key);
    this.events.emit('parked', { id: item.envelope.id, topic: item.envelope.topic });
    // A handler may have been registered while this message was being looked at.
    if (this.registry.handlersFor(item.envelope).length > 0) this.handlerAdded(item.envelope.topic);
  }

  private decode(key: string, value: Buffer): InboxItem | undefined {
    try {
      const { meta, bytes } = unpackRecord<InboxMeta>(value);
      return { envelope: this.codec.decode(bytes), bytes, meta };
    } catch (error) {
      this.logger.error({ key, err: error }, 'inbox entry cannot be decoded: moved to the corrupt namespace');
      this.corrupt.push({ key, value });
      return undefined;
    }
  }

  private async setAsideCorrupt(): Promise<void> {
    const entries = this.corrupt.splice(0);
    if (entries.length === 0) return;
    await this.store.batch(entries.flatMap((e) => [delOp(NAMESPACES.inbox, e.key), putOp(NAMESPACES.corrupt, `inbox:${e.key}`, e.value)]));
    for (const e of entries) this.events.emit('corrupt', { namespace: NAMESPACES.inbox, key: e.key });
  }
}
