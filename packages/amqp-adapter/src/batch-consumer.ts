import type { Logger, Receiver } from '@resolute/core';
import type { Channel, ConsumeMessage } from 'amqplib';
import type { AmqpOptions } from './amqp-options.js';
import type { Session } from './amqp-session.js';
import type { AmqpStats } from './amqp-stats.js';

/** One batch handed to the bus, in delivery-tag order with the others of its channel. */
interface Batch {
  readonly channel: Channel;
  readonly session: Session;
  readonly last: ConsumeMessage;
  state: 'receiving' | 'stored' | 'refused';
}

/**
 * Turns deliveries into batches for the bus's `receive` and acknowledges them in delivery order once stored:
 * deliveries arriving within one tick (up to maxBatch) form a batch; a run of stored batches at the head is acked
 * with one `multiple` ack; a refused batch is nacked with requeue after a pause that doubles per consecutive refusal,
 * so a bus that cannot store does not spin. A batch whose channel died is neither acked nor nacked: the broker has
 * already put its messages back in the queue.
 */
export class BatchConsumer {
  private buffer: ConsumeMessage[] = [];
  private bufferSession: Session | undefined;
  private flushScheduled = false;
  private readonly batches: Batch[] = [];
  private refusals = 0;
  private requeueTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private consumer: { session: Session; tag: string } | undefined;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly options: AmqpOptions,
    private readonly receive: Receiver,
    private readonly stats: AmqpStats,
    private readonly logger: Logger,
    private readonly onCancelled: (session: Session) => void,
  ) {}

  /** Starts consuming `queue` on the session's consume channel (after every reconnect). */
  async attach(session: Session, queue: string): Promise<void> {
    const { consumerTag } = await session.consume.consume(queue, (message) => this.onMessage(session, message), { noAck: false });
    this.consumer = { session, tag: consumerTag };
  }

  /** The session died: forget what was buffered and not yet handed over (the broker redelivers it). */
  sessionLost(session: Session): void {
    if (this.bufferSession === session) this.buffer = [];
    this.drain();
  }

  /** Stops deliveries, waits for the batches in the bus's hands and sends their acks (refused ones: nack now). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.buffer = [];
    const consumer = this.consumer;
    if (consumer !== undefined && !consumer.session.dead) await consumer.session.consume.cancel(consumer.tag).catch(() => undefined);
    clearTimeout(this.requeueTimer);
    this.requeueTimer = undefined;
    this.drain();
    while (this.batches.length > 0) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  private onMessage(session: Session, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled us (the queue was deleted): rebuild the session, which declares the queue again.
      this.logger.warn({ session: session.id }, 'amqp consumer cancelled by the broker: re-declaring');
      this.onCancelled(session);
      return;
    }
    if (this.stopping || session.dead) return;
    this.stats.delivered++;
    if (message.fields.redelivered) this.stats.redelivered++;
    if (this.bufferSession !== session) {
      this.buffer = [];
      this.bufferSession = session;
    }
    this.buffer.push(message);
    if (this.buffer.length >= this.options.maxBatch) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  private flush(): void {
    const session = this.bufferSession;
    if (this.buffer.length === 0 || session === undefined || session.dead || this.stopping) return;
    const messages = this.buffer;
    this.buffer = [];
    const batch: Batch = { channel: session.consume, session, last: messages[messages.length - 1]!, state: 'receiving' };
    this.batches.push(batch);
    this.receive(messages.map((m) => ({ bytes: m.content }))).then(
      () => {
        batch.state = 'stored';
        this.drain();
      },
      (error: unknown) => {
        batch.state = 'refused';
        this.logger.warn({ err: error, size: messages.length }, 'the bus refused a received batch: requeued after a pause');
        this.drain();
      },
    );
  }

  /** Settles batches from the head, in order, so a `multiple` ack or nack never covers a batch still in the bus. */
  private drain(): void {
    if (this.requeueTimer !== undefined) return;
    let ackUpTo: Batch | undefined;
    const flushAck = (): void => {
      if (ackUpTo !== undefined && !ackUpTo.session.dead) ackUpTo.channel.ack(ackUpTo.last, true);
      ackUpTo = undefined;
    };
    while (this.batches.length > 0) {
      const head = this.batches[0]!;
      if (head.session.dead) {
        this.batches.shift();
        continue;
      }
      if (head.state === 'receiving') break;
      if (ackUpTo !== undefined && ackUpTo.channel !== head.channel) flushAck();
      if (head.state === 'stored') {
        this.batches.shift();
        this.stats.ackedBatches++;
        this.refusals = 0;
        ackUpTo = head;
        continue;
      }
      flushAck();
      this.refusals++;
      const delay = this.stopping ? 0 : Math.min(this.options.requeueDelayMs * 2 ** (this.refusals - 1), this.options.requeueDelayMs * 20);
      const nack = (): void => {
        this.requeueTimer = undefined;
        this.batches.shift();
        this.stats.requeuedBatches++;
        if (!head.session.dead) head.channel.nack(head.last, true, true);
        this.drain();
      };
      if (delay === 0) {
        nack();
        return;
      }
      this.requeueTimer = setTimeout(nack, delay);
      return;
    }
    flushAck();
    if (this.batches.length === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }
}
