/**
 * Group commit: batch() calls that arrive while a write is in flight gather in one open group; when the write
 * completes, that group (whole calls only, up to the size limits) goes to disk as one atomic, fsync'd write. N
 * concurrent callers then pay for about one fsync per write instead of one each, and each caller still resolves only
 * once the write holding its operations is durable.
 *
 * Each call's operations are copied into its group (a LevelDB chained batch) when the call is made, not when the
 * group is written: the caller may reuse its buffers at once, and no JavaScript copy of every value waits in memory
 * for its write (with 4 KB values, that copy and the garbage it left cost the publishing bus a fifth of its speed).
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

/** Where groups are built: a fresh one per write. */
export interface GroupSink<Op> {
  open(): OpenGroup<Op>;
}

/** One atomic write being gathered (for LevelDB, a chained batch). */
export interface OpenGroup<Op> {
  /** Copies the operation into the group now. */
  add(operation: Op): void;
  /** Writes everything added, atomically; fsync'd when `sync`. */
  write(sync: boolean): Promise<void>;
  /** Drops the group unwritten. */
  discard(): Promise<void>;
}

interface Caller {
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Group<Op> {
  sink: OpenGroup<Op>;
  callers: Caller[];
  operations: number;
  bytes: number;
  sync: boolean;
  /** Set when an operation could not be added: the group is never written, its callers reject with it. */
  broken?: { error: unknown };
}

export class GroupCommit<Op> {
  /** Groups full or closed to newcomers, oldest first, waiting for their write. */
  private readonly sealed: Array<Group<Op>> = [];
  /** The group new calls join. */
  private forming: Group<Op> | undefined;
  private writing = false;
  private idleWaiters: Array<() => void> = [];
  private readonly counters: CommitStats = { fsyncs: 0, relaxedWrites: 0, operations: 0, batches: 0 };

  /**
   * A group is written with sync when any call in it asked for it: relaxed calls ride along for free, and a relaxed
   * call is never written after a later sync call (order is kept).
   */
  constructor(
    private readonly sink: GroupSink<Op>,
    private readonly limits: CommitLimits,
  ) {}

  /**
   * Adds one call's operations to the open group (copied now); resolves once they are written (and fsync'd if
   * `sync`), rejects with the write's error. `bytes` counts toward the group's size limit.
   */
  submit(operations: readonly Op[], bytes: number, sync = true): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const group = this.groupFor(operations.length, bytes);
      if (group.broken === undefined) {
        try {
          for (const operation of operations) group.sink.add(operation);
        } catch (error) {
          // Part of this call is in the group: it cannot be written without breaking the call's atomicity.
          group.broken = { error };
        }
      }
      group.callers.push({ resolve, reject });
      group.operations += operations.length;
      group.bytes += bytes;
      group.sync ||= sync;
      if (!this.limits.enabled || group.broken !== undefined) this.seal();
      this.pump();
    });
  }

  /** Resolves once every call submitted so far has been written (or has failed). */
  idle(): Promise<void> {
    if (!this.writing && this.sealed.length === 0 && this.forming === undefined) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stats(): CommitStats {
    return { ...this.counters };
  }

  /** The open group if the call fits in it (whole calls only), else a fresh one; a call too large alone gets its own. */
  private groupFor(operations: number, bytes: number): Group<Op> {
    const open = this.forming;
    if (open !== undefined && open.operations + operations <= this.limits.maxOperations && open.bytes + bytes <= this.limits.maxBytes) return open;
    this.seal();
    const group: Group<Op> = { sink: this.sink.open(), callers: [], operations: 0, bytes: 0, sync: false };
    this.forming = group;
    return group;
  }

  private seal(): void {
    if (this.forming === undefined) return;
    this.sealed.push(this.forming);
    this.forming = undefined;
  }

  private pump(): void {
    if (this.writing) return;
    const group = this.sealed.shift() ?? this.forming;
    if (group === this.forming) this.forming = undefined;
    if (group === undefined) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
      return;
    }
    this.writing = true;
    const written = group.broken !== undefined ? group.sink.discard().then(() => Promise.reject(group.broken!.error)) : group.sink.write(group.sync);
    written
      .then(
        () => {
          if (group.sync) this.counters.fsyncs++;
          else this.counters.relaxedWrites++;
          this.counters.operations += group.operations;
          this.counters.batches += group.callers.length;
          for (const caller of group.callers) caller.resolve();
        },
        (error: unknown) => {
          for (const caller of group.callers) caller.reject(error);
        },
      )
      .finally(() => {
        // The next write starts on the next turn of the event loop, not at once: the callers just resolved resubmit
        // within the current turn, and this way they join the next group instead of trailing into the one after.
        setImmediate(() => {
          this.writing = false;
          this.pump();
        });
      });
  }
}
