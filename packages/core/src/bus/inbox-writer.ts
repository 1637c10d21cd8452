import type { Codec } from '../codec.js';
import type { Envelope } from '../envelope.js';
import { ResoluteError } from '../errors.js';
import { faultPoint } from '../fault-points.js';
import { isId, newId } from '../ids.js';
import type { Logger } from '../logger.js';
import { getMany, NAMESPACES, putOp, type Store, type StoreOperation } from '../store.js';
import type { IncomingMessage } from '../transport.js';
import type { BusEvents } from './bus-events.js';
import type { Dispatcher, DispatcherOptions, InboxItem, Outcome } from './dispatcher.js';
import { dedupeOps } from './dedupe.js';
import { observeStoredId } from './observe-stored-id.js';
import { packRecord } from './record.js';

const RELAXED = { durability: 'relaxed' } as const;
/** Sorts above every id: no id is then proven fresh without a store read. */
const LOOK_UP_ALL = '\uffff';

/**
 * The bus's Receiver. With `ack: 'stored'` it writes each received batch to the inbox in one durable batch, then lets
 * the transport ack it; handlers run later, from the inbox. With `ack: 'handled'` it runs the fresh messages' handlers
 * first and writes only their outcomes (dedupe entries, replies; an inbox entry for a failure) before the ack.
 * Duplicates (already in the inbox, already handled within the dedupe window, or twice in flight) are acked without
 * being stored again — a copy of a message another receive call is still taking is acked only once that call has
 * succeeded, so the ack never runs ahead of the message being safe. Undecodable bytes are set aside in the corrupt
 * namespace and acked: kept, never redelivered forever. Replies skip the inbox and go straight to whoever waits.
 */
export class InboxWriter {
  /** Ids being taken by a receive call right now, with that call's result. */
  private readonly taking = new Map<string, Promise<void>>();
  /**
   * No inbox or dedupe key sorts above this: the largest found there at start, raised by every id a receive call
   * claims before it writes anything. Ids are ULIDs that grow with time, so a sender's new messages land above it and
   * need no store read to prove they are fresh; only an id at or below it (a redelivery, a slower sender's message)
   * is looked up. The bus holds its store alone, so nothing else writes these namespaces while it runs.
   */
  private storedUpTo = '';
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly codec: Codec,
    private readonly dispatcher: Dispatcher,
    private readonly ack: DispatcherOptions['ack'],
    private readonly events: BusEvents,
    private readonly logger: Logger,
    private readonly onReply: (envelope: Envelope) => void,
  ) {}

  close(): void {
    this.closed = true;
  }

  /** At start, before the transport: reads the largest inbox and dedupe keys (see storedUpTo). */
  async loadStoredUpTo(): Promise<void> {
    for (const namespace of [NAMESPACES.inbox, NAMESPACES.dedupe]) {
      for await (const entry of this.store.entries(namespace, { reverse: true, limit: 1 })) {
        if (namespace === NAMESPACES.inbox) observeStoredId(entry.key, namespace, this.logger, this.events);
        // A store orders keys by bytes, JavaScript by UTF-16 units: they agree on ids (ASCII), not on every key, so a
        // last key that is not an id could hide a larger one. Then every id is looked up.
        const key = isId(entry.key) ? entry.key : LOOK_UP_ALL;
        if (key > this.storedUpTo) this.storedUpTo = key;
      }
    }
  }

  receive = (batch: readonly IncomingMessage[]): Promise<void> => {
    if (this.closed) return Promise.reject(new ResoluteError('BUS_CLOSED', 'bus is closing: not accepting messages (the sender will retry)'));
    const claimed: string[] = [];
    const work = this.take(batch, claimed);
    // Claims are registered synchronously (before take's first await), so the map holds this call's promise for them.
    for (const id of claimed) this.taking.set(id, work);
    return work.finally(() => {
      for (const id of claimed) if (this.taking.get(id) === work) this.taking.delete(id);
    });
  };

  private async take(batch: readonly IncomingMessage[], claimed: string[]): Promise<void> {
    const operations: StoreOperation[] = [];
    const now = Date.now();
    const candidates: { envelope: Envelope; bytes: Buffer }[] = [];
    /** Other receive calls holding a copy of one of our messages: we ack only once they succeeded. */
    const elsewhere = new Set<Promise<void>>();
    const mine = new Set<string>();
    for (const message of batch) {
      let envelope: Envelope;
      try {
        envelope = this.codec.decode(message.bytes);
      } catch (error) {
        const key = `received:${newId(now)}`;
        this.logger.warn({ err: error, key, bytes: message.bytes.length }, 'received bytes that are not a message: set aside as corrupt');
        operations.push(putOp(NAMESPACES.corrupt, key, message.bytes));
        this.events.emit('corrupt', { namespace: NAMESPACES.corrupt, key });
        continue;
      }
      if (envelope.kind === 'reply') {
        this.onReply(envelope);
        continue;
      }
      const other = this.taking.get(envelope.id);
      if (other !== undefined) elsewhere.add(other);
      if (other !== undefined || mine.has(envelope.id) || this.dispatcher.has(envelope.id)) {
        this.duplicate(envelope);
        continue;
      }
      mine.add(envelope.id);
      claimed.push(envelope.id);
      candidates.push({ envelope, bytes: message.bytes });
    }
    // Inbox before dedupe: completion deletes the inbox entry and writes the dedupe entry in one batch, so reading
    // in this order can never miss both.
    // In receive order: a batch's messages reach the dispatcher in the order they came.
    const slots: (InboxItem | undefined)[] = [];
    const unproven: number[] = [];
    const floor = this.storedUpTo;
    candidates.forEach((c, i) => {
      // Only a ULID is known to sort like the store's keys (a custom codec may hand over other ids).
      if (c.envelope.id > floor && isId(c.envelope.id)) slots[i] = inboxItem(c, now);
      else unproven.push(i);
      if (c.envelope.id > this.storedUpTo) this.storedUpTo = c.envelope.id;
    });
    if (unproven.length > 0) {
      const ids = unproven.map((i) => candidates[i]!.envelope.id);
      const inInbox = await getMany(this.store, NAMESPACES.inbox, ids);
      const handled = await getMany(this.store, NAMESPACES.dedupe, ids);
      unproven.forEach((i, n) => {
        const c = candidates[i]!;
        if (inInbox[n] !== undefined || handled[n] !== undefined) this.duplicate(c.envelope);
        else slots[i] = inboxItem(c, now);
      });
    }
    const fresh = slots.filter((item): item is InboxItem => item !== undefined);
    if (this.ack === 'handled') await this.handleBeforeAck(fresh, operations);
    else await this.storeBeforeAck(fresh, operations);
    faultPoint('before-ack');
    if (elsewhere.size > 0) await Promise.all(elsewhere);
  }

  private async storeBeforeAck(fresh: InboxItem[], operations: StoreOperation[]): Promise<void> {
    for (const item of fresh) operations.push(putOp(NAMESPACES.inbox, item.envelope.id, packRecord(item.meta, item.bytes)));
    if (operations.length > 0) await this.store.batch(operations);
    faultPoint('after-inbox-write');
    for (const item of fresh) {
      this.dispatcher.offer(item);
      this.events.emit('received', { id: item.envelope.id, topic: item.envelope.topic, kind: item.envelope.kind });
    }
  }

  private async handleBeforeAck(fresh: InboxItem[], operations: StoreOperation[]): Promise<void> {
    // Every handler of the batch finishes before anything is decided, so none is left running unrecorded.
    const settled = await Promise.allSettled(fresh.map((item) => this.dispatcher.handleNow(item)));
    const outcomes: Outcome[] = [];
    for (const result of settled) {
      if (result.status === 'rejected') throw result.reason;
      outcomes.push(result.value);
    }
    // Corrupt entries and any outcome other than a plain completion must survive a power cut once the batch is acked.
    let durable = operations.length > 0;
    const handled: string[] = [];
    outcomes.forEach((outcome, i) => {
      operations.push(...outcome.operations);
      durable ||= outcome.durable;
      if (outcome.handled === undefined) return;
      handled.push(outcome.handled);
      // Its handlers are done and nothing reads its payload again: let the payload go now, not once the batch is
      // written and acked. Kept until then, the batches in flight held every payload through young-generation
      // collections (with 4 KB payloads, a third of the receiver's GC time).
      releasePayload(fresh[i]!.envelope);
    });
    // One expiry record for the whole batch's dedupe entries (see dedupeOps).
    if (handled.length > 0) operations.push(...dedupeOps(handled, Date.now()));
    if (operations.length > 0) await this.store.batch(operations, durable ? undefined : RELAXED);
    faultPoint('after-inbox-write');
    // As in stored mode, `received` once the batch is safe (so a refused batch is not counted twice), then the
    // outcomes' events (`handled`, `retry`, `dead`).
    for (const item of fresh) this.events.emit('received', { id: item.envelope.id, topic: item.envelope.topic, kind: item.envelope.kind });
    for (const outcome of outcomes) outcome.after();
  }

  private duplicate(envelope: Envelope): void {
    this.events.emit('duplicate', { id: envelope.id, topic: envelope.topic });
  }
}

function inboxItem(candidate: { envelope: Envelope; bytes: Buffer }, now: number): InboxItem {
  return { ...candidate, meta: { attempts: candidate.envelope.attempt, done: [], notBefore: 0, receivedAt: now } };
}

/** Drops the bus's reference to a handled message's payload (handlers get the payload itself, never this envelope). */
function releasePayload(envelope: Envelope): void {
  (envelope as { payload: unknown }).payload = undefined;
}
