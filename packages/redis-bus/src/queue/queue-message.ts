/** One message delivered by a queue consumer. */
export interface QueueMessage {
  /** The queue's id for it: its place in the queue's sequence (a decimal string), unique while the queue lives. */
  readonly id: string;
  /** The body as UTF-8 text. */
  readonly body: string;
  /** The body's bytes, as pushed. */
  readonly raw: Buffer;
  /** 1 on the first delivery; more when a lapsed lease or a dead consumer put it back. */
  readonly attempt: number;
  /**
   * Reliable mode: completes the message (it leaves the queue for good). Resolves true, or false when it was no
   * longer leased to this consumer (its lease lapsed: it is, or will be, delivered again). Other modes: true at once.
   */
  ack(): Promise<boolean>;
  /** Reliable mode: hands the message back to the head of the queue now, for redelivery. Other modes: false. */
  nack(): Promise<boolean>;
}

/** Decodes a take reply (id, body, attempt, ...) or a peek reply (id, body, ...). */
export function decodeMessages(reply: unknown[], stride: 2 | 3, from = 0): Array<{ id: string; raw: Buffer; attempt: number }> {
  const out: Array<{ id: string; raw: Buffer; attempt: number }> = [];
  for (let i = from; i + stride - 1 < reply.length; i += stride) {
    const id = String(reply[i]);
    const raw = reply[i + 1];
    out.push({ id, raw: Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)), attempt: stride === 3 ? Number(reply[i + 2]) : 1 });
  }
  return out;
}
