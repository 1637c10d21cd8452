import type { RedisClient } from '../connection/redis-connection.js';

interface Read {
  /** HMGET's arguments: the hash, then the fields. */
  readonly args: Array<string | Buffer>;
  readonly resolve: (values: Array<Buffer | null>) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Reads of the Redis Store (HMGET, values as Buffers), gathered per turn of the event loop: reads made while the
 * current microtasks run (many handlers resuming on one socket read, say) go out together as one pipeline, one write
 * to the socket instead of one each (the write is most of a small read's cost on both sides). A read made alone goes
 * alone, as a plain command.
 *
 * A read is sent once the microtasks queued before it have run, before any timer or I/O: it still sees every batch
 * that resolved before it was made, and a close() made in the same turn, which awaits before it sends QUIT, cannot
 * overtake it.
 */
export class ReadQueue {
  private pending: Read[] = [];

  constructor(private readonly client: RedisClient) {}

  /**
   * HMGET `args` (the hash, then its fields): the values, null where missing. Rejects with the driver's error
   * (unmapped).
   */
  hmget(args: Array<string | Buffer>): Promise<Array<Buffer | null>> {
    return new Promise((resolve, reject) => {
      if (this.pending.push({ args, resolve, reject }) === 1) queueMicrotask(() => this.send());
    });
  }

  private send(): void {
    const reads = this.pending;
    this.pending = [];
    if (reads.length === 1) {
      const read = reads[0]!;
      (this.client.callBuffer('HMGET', read.args) as Promise<Array<Buffer | null>>).then(read.resolve, read.reject);
      return;
    }
    const pipeline = this.client.pipeline();
    for (const read of reads) pipeline.callBuffer('HMGET', read.args);
    pipeline.exec().then(
      (replies) => {
        reads.forEach((read, i) => {
          const [error, values] = replies?.[i] ?? [new Error('the pipeline of store reads was discarded'), undefined];
          if (error !== null) read.reject(error);
          else read.resolve(values as Array<Buffer | null>);
        });
      },
      (error: unknown) => {
        for (const read of reads) read.reject(error);
      },
    );
  }
}
