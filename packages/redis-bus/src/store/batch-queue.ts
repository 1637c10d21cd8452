import { ResoluteError } from '@resolute/core';
import { type EncodedBatch, mergeBatches } from './batch-records.js';

/** Most operations one merged script call carries: a bigger backlog goes in several calls, still in order. */
const MAX_MERGED_OPERATIONS = 4_096;

interface Waiting {
  readonly batch: EncodedBatch;
  readonly relaxed: boolean;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for the Redis Store. The bus makes many small batches at once (an outbox entry per publish, an inbox
 * batch per receive, a completion per handled message); one script call each costs a round trip and the per-call
 * work on both sides. Here at most one call is in flight: batches made meanwhile wait and go together as the next
 * call, merged in the order they were made, so call order holds and Redis applies each merged call atomically.
 *
 * Keeping one call in flight is also what makes EVALSHA safe: a NOSCRIPT answer (a restarted server) is retried with
 * the source before anything later is sent, so no batch can overtake another.
 *
 * When a merged call is refused for something one batch did (STORE_CORRUPT, INVALID_ARGUMENT), its batches are tried
 * again one by one, so only the guilty one fails; any other failure (connection, lock) is every batch's.
 */
export class BatchQueue {
  private waiting: Waiting[] = [];
  private flushing = false;
  private drained: { readonly promise: Promise<void>; readonly resolve: () => void } | undefined;

  constructor(private readonly apply: (batch: EncodedBatch, relaxed: boolean) => Promise<void>) {}

  submit(batch: EncodedBatch, relaxed: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ batch, relaxed, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  /** Resolves once every batch submitted so far has settled (at once when none is waiting or in flight). */
  idle(): Promise<void> {
    if (!this.flushing) return Promise.resolve();
    if (this.drained === undefined) {
      let resolve: () => void = () => undefined;
      const promise = new Promise<void>((r) => (resolve = r));
      this.drained = { promise, resolve };
    }
    return this.drained.promise;
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.waiting.length > 0) {
        const taken = this.take();
        const merged = taken.length === 1 ? taken[0]!.batch : mergeBatches(taken.map((w) => w.batch));
        // Relaxed only when every batch in it is: a sync one waits for whatever durability step applies.
        const relaxed = taken.every((w) => w.relaxed);
        try {
          await this.apply(merged, relaxed);
          for (const w of taken) w.resolve();
        } catch (error) {
          if (taken.length === 1 || !isPerBatch(error)) {
            for (const w of taken) w.reject(error);
            continue;
          }
          for (const w of taken) {
            try {
              await this.apply(w.batch, w.relaxed);
              w.resolve();
            } catch (own) {
              w.reject(own);
            }
          }
        }
      }
    } finally {
      this.flushing = false;
      this.drained?.resolve();
      this.drained = undefined;
    }
  }

  /** The next run of waiting batches, up to MAX_MERGED_OPERATIONS (at least one, however big). */
  private take(): Waiting[] {
    let operations = 0;
    let count = 0;
    while (count < this.waiting.length && (count === 0 || operations + this.waiting[count]!.batch.size <= MAX_MERGED_OPERATIONS)) {
      operations += this.waiting[count]!.batch.size;
      count++;
    }
    return this.waiting.splice(0, count);
  }
}

function isPerBatch(error: unknown): boolean {
  return error instanceof ResoluteError && (error.code === 'STORE_CORRUPT' || error.code === 'INVALID_ARGUMENT');
}
