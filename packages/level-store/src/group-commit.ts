/**
 * Group commit: batch() calls that arrive while a write is in flight wait in a queue; when the write completes, the
 * queued calls (whole calls only, up to the size limits) go to disk together as one atomic, fsync'd write. N
 * concurrent callers then pay for about one fsync per write instead of one each, and each caller still resolves only
 * once the write holding its operations is durable.
 *
 * Promises kept:
 * - One call's operations are never split across two writes (so each call stays atomic).
 * - Calls are written in the order they were submitted; a later call never lands before an earlier one.
 * - A failed write rejects exactly the calls it held (nothing of them was applied: a LevelDB batch is atomic);
 *   calls queued behind it are still attempted.
 */

export interface CommitStats {
  /** Writes made to disk with fsync, one per gathered group holding at least one 'sync' call. */
  fsyncs: number;
  /** Writes made without fsync (groups of 'relaxed' calls only). */
  relaxedWrites: number;
  /** Operations written. */
  operations: number;
  /** batch() calls committed. */
  batches: number;
}

export interface CommitLimits {
  enabled: boolean;
  maxOperations: number;
  maxBytes: number;
}

interface Waiting<Op> {
  operations: Op[];
  bytes: number;
  sync: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<Op> {
  private readonly queue: Array<Waiting<Op>> = [];
  private writing = false;
  private idleWaiters: Array<() => void> = [];
  private readonly counters: CommitStats = { fsyncs: 0, relaxedWrites: 0, operations: 0, batches: 0 };

  /**
   * `write` makes one atomic write of `operations`, fsync'd when `sync` (for LevelDB: batch with { sync }). A group
   * is written with sync when any call in it asked for it: relaxed calls ride along for free, and a relaxed call
   * is never written after a later sync call (order is kept).
   */
  constructor(
    private readonly write: (operations: Op[], sync: boolean) => Promise<void>,
    private readonly limits: CommitLimits,
  ) {}

  /** Queues one call's operations; resolves once they are written (and fsync'd if `sync`), rejects with the write's error. */
  submit(operations: Op[], bytes: number, sync = true): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ operations, bytes, sync, resolve, reject });
      this.pump();
    });
  }

  /** Resolves once every call submitted so far has been written (or has failed). */
  idle(): Promise<void> {
    if (!this.writing && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stats(): CommitStats {
    return { ...this.counters };
  }

  private pump(): void {
    if (this.writing) return;
    const group = this.takeGroup();
    if (group.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
      return;
    }
    this.writing = true;
    const operations = group.length === 1 ? (group[0] as Waiting<Op>).operations : group.flatMap((call) => call.operations);
    const sync = group.some((call) => call.sync);
    this.write(operations, sync).then(
      () => {
        if (sync) this.counters.fsyncs++;
        else this.counters.relaxedWrites++;
        this.counters.operations += operations.length;
        this.counters.batches += group.length;
        for (const call of group) call.resolve();
      },
      (error: unknown) => {
        for (const call of group) call.reject(error);
      },
    ).finally(() => {
      // The next write starts on the next turn of the event loop, not at once: the callers just resolved resubmit
      // within the current turn, and this way they join the next group instead of trailing into the one after.
      setImmediate(() => {
        this.writing = false;
        this.pump();
      });
    });
  }

  /** The next group: the first waiting call, then following calls while they fit the limits. */
  private takeGroup(): Array<Waiting<Op>> {
    const first = this.queue[0];
    if (first === undefined) return [];
    let taken = 1;
    if (this.limits.enabled) {
      let operations = first.operations.length;
      let bytes = first.bytes;
      for (let next = this.queue[taken]; next !== undefined; next = this.queue[taken]) {
        operations += next.operations.length;
        bytes += next.bytes;
        if (operations > this.limits.maxOperations || bytes > this.limits.maxBytes) break;
        taken++;
      }
    }
    return this.queue.splice(0, taken);
  }
}
