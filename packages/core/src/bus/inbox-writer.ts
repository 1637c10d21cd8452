import type { Codec } from '../codec.js';
import type { Envelope } from '../envelope.js';
import { ResoluteError } from '../errors.js';
import { faultPoint } from '../fault-points.js';
import { newId } from '../ids.js';
import type { Logger } from '../logger.js';
import { getMany, NAMESPACES, putOp, type Store, type StoreOperation } from '../store.js';
import type { IncomingMessage } from '../transport.js';
import type { BusEvents } from './bus-events.js';
import type { Dispatcher } from './dispatcher.js';
import { packRecord, type InboxMeta } from './record.js';

/**
 * The bus's Receiver: writes each received batch to the inbox in one durable batch, then lets the transport ack it.
 * Duplicates (already in the inbox, already handled within the dedupe window, or twice in flight) are acked without
 * being stored again. Undecodable bytes are set aside in the corrupt namespace and acked: kept, never redelivered
 * forever. Replies skip the inbox and go straight to whoever is waiting for them.
 */
export class InboxWriter {
  /** Ids being written right now: a second copy arriving meanwhile is a duplicate. */
  private readonly writing = new Set<string>();
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly codec: Codec,
    private readonly dispatcher: Dispatcher,
    private readonly events: BusEvents,
    private readonly logger: Logger,
    private readonly onReply: (envelope: Envelope) => void,
  ) {}

  close(): void {
    this.closed = true;
  }

  receive = async (batch: readonly IncomingMessage[]): Promise<void> => {
    if (this.closed) throw new ResoluteError('BUS_CLOSED', 'bus is closing: not accepting messages (the sender will retry)');
    const operations: StoreOperation[] = [];
    const fresh: { envelope: Envelope; bytes: Buffer; meta: InboxMeta }[] = [];
    const claimed: string[] = [];
    const now = Date.now();
    try {
      const candidates: { envelope: Envelope; bytes: Buffer }[] = [];
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
        if (envelope.kind === 'reply') this.onReply(envelope);
        else if (this.writing.has(envelope.id) || this.dispatcher.has(envelope.id)) this.duplicate(envelope);
        else {
          this.writing.add(envelope.id);
          claimed.push(envelope.id);
          candidates.push({ envelope, bytes: message.bytes });
        }
      }
      // Inbox before dedupe: completion deletes the inbox entry and writes the dedupe entry in one batch, so reading
      // in this order can never miss both.
      const ids = candidates.map((c) => c.envelope.id);
      const inInbox = await getMany(this.store, NAMESPACES.inbox, ids);
      const handled = await getMany(this.store, NAMESPACES.dedupe, ids);
      candidates.forEach((c, i) => {
        if (inInbox[i] !== undefined || handled[i] !== undefined) return this.duplicate(c.envelope);
        const meta: InboxMeta = { attempts: c.envelope.attempt, done: [], notBefore: 0, receivedAt: now };
        operations.push(putOp(NAMESPACES.inbox, c.envelope.id, packRecord(meta, c.bytes)));
        fresh.push({ ...c, meta });
      });
      if (operations.length > 0) await this.store.batch(operations);
      faultPoint('after-inbox-write');
      for (const item of fresh) {
        this.dispatcher.offer(item);
        this.events.emit('received', { id: item.envelope.id, topic: item.envelope.topic, kind: item.envelope.kind });
      }
      faultPoint('before-ack');
    } finally {
      for (const id of claimed) this.writing.delete(id);
    }
  };

  private duplicate(envelope: Envelope): void {
    this.events.emit('duplicate', { id: envelope.id, topic: envelope.topic });
  }
}
