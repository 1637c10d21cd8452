import type { Store, StoreEntry } from '../store.js';

export interface PagedItem<T> {
  readonly key: string;
  readonly item: T;
}

export interface PagedQueueOptions<T> {
  store: Store;
  namespace: string;
  /** This queue's slice of the namespace: keys >= gte and < lt. */
  gte: string;
  lt: string;
  /** Most items held in memory (ready + checked out). Past it, new keys wait in the store and are paged in later. */
  capacity: number;
  /** Turns a stored entry into an item; undefined skips the entry (the caller deals with it, e.g. as corrupt). */
  decode: (entry: StoreEntry) => T | undefined;
  /** true when the caller knows the store holds nothing for this slice yet (no first page to read). */
  startEmpty?: boolean;
}

/**
 * A FIFO-ish work queue over a slice of a store namespace whose memory use is bounded however large the backlog on
 * disk: at most `capacity` items are in memory, the rest are read page by page as room frees up.
 *
 * Items enter in two ways: `offer` (the caller just wrote the key durably) and paging (keys already in the store at
 * start, or offered while memory was full). A key is "known" from the moment it is in memory until `release`, and a
 * known key is never loaded twice, so paging after offers and offers during paging cannot duplicate work.
 */
export class PagedQueue<T> {
  /** Ready items are ready[head..]: taking from the front moves `head` instead of shifting the array (O(1), not O(n)). */
  private ready: PagedItem<T>[] = [];
  private head = 0;
  private readonly known = new Set<string>();
  /** Inclusive lower bound of store keys not yet read; undefined once everything in the slice has been read. */
  private nextFrom: string | undefined;
  /** Lowest key offered while a page was loading (the page may have missed it). */
  private offeredDuringLoad: string | undefined;
  /**
   * Keys released while a page is loading. The page's read may have started before their deletion and still see
   * them (a LevelDB iterator reads a snapshot): loading one again would run done work twice.
   */
  private readonly releasedDuringLoad = new Set<string>();
  /** rewind() was called while a page was loading: the load must not overwrite the rewind when it ends. */
  private rewoundDuringLoad = false;
  private loading: Promise<void> | undefined;

  constructor(private readonly options: PagedQueueOptions<T>) {
    this.nextFrom = options.startEmpty ? undefined : options.gte;
  }

  /** Items in memory: ready plus checked out. */
  get held(): number {
    return this.known.size;
  }

  get readyCount(): number {
    return this.ready.length - this.head;
  }

  /** Nothing ready, nothing checked out, nothing left unread in the store. */
  get idle(): boolean {
    return this.known.size === 0 && this.nextFrom === undefined && this.loading === undefined;
  }

  has(key: string): boolean {
    return this.known.has(key);
  }

  /** A key now durably in the store. Kept in memory when there is room, otherwise left for paging. */
  offer(key: string, item: T): void {
    if (this.known.has(key)) return;
    if (this.loading !== undefined && (this.offeredDuringLoad === undefined || key < this.offeredDuringLoad)) {
      this.offeredDuringLoad = key;
    }
    if (this.nextFrom === undefined && this.known.size < this.options.capacity) {
      this.known.add(key);
      this.ready.push({ key, item });
    } else if (this.nextFrom === undefined || key < this.nextFrom) {
      this.nextFrom = key;
    }
  }

  /** True when a page could be read now. */
  get wantsFill(): boolean {
    return this.nextFrom !== undefined && this.loading === undefined && this.known.size < this.options.capacity;
  }

  /** Reads the next page from the store if there is room; concurrent calls share one read. */
  fill(): Promise<void> {
    if (this.loading !== undefined) return this.loading;
    if (!this.wantsFill) return Promise.resolve();
    this.offeredDuringLoad = undefined;
    this.releasedDuringLoad.clear();
    this.rewoundDuringLoad = false;
    this.loading = this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  /** Takes up to `max` ready items; they stay known until `release` or `putBack`. */
  take(max: number): PagedItem<T>[] {
    const end = Math.min(this.ready.length, this.head + max);
    const taken = this.ready.slice(this.head, end);
    this.advance(end);
    return taken;
  }

  /** Takes the next ready item, if any (take(1) without the array). */
  takeOne(): PagedItem<T> | undefined {
    const next = this.ready[this.head];
    if (next !== undefined) this.advance(this.head + 1);
    return next;
  }

  /** Returns checked-out items to the head of the queue (a failed send, a retry that is due). */
  putBack(items: readonly PagedItem<T>[]): void {
    this.ready = [...items, ...this.ready.slice(this.head)];
    this.head = 0;
  }

  /** The key is done (deleted from the store) or set aside: forget it. */
  release(key: string): void {
    if (this.known.delete(key) && this.loading !== undefined) this.releasedDuringLoad.add(key);
  }

  /** Read the whole slice again from the start (known keys are skipped): used when parked work may run now. */
  rewind(): void {
    this.nextFrom = this.options.gte;
    if (this.loading !== undefined) this.rewoundDuringLoad = true;
  }

  /** Moves the front to `to`, dropping the consumed part once it is most of the array. */
  private advance(to: number): void {
    this.head = to;
    if (this.head === this.ready.length) {
      this.ready = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.ready.length) {
      this.ready = this.ready.slice(this.head);
      this.head = 0;
    }
  }

  private async load(): Promise<void> {
    const from = this.nextFrom!;
    const room = this.options.capacity - this.known.size;
    let read = 0;
    let last: string | undefined;
    for await (const entry of this.options.store.entries(this.options.namespace, { gte: from, lt: this.options.lt, limit: room })) {
      read++;
      last = entry.key;
      if (this.known.has(entry.key) || this.releasedDuringLoad.has(entry.key)) continue;
      const item = this.options.decode(entry);
      if (item === undefined) continue;
      this.known.add(entry.key);
      this.ready.push({ key: entry.key, item });
    }
    const next = read < room || last === undefined ? undefined : last + '\u0000';
    // A key offered while the page was read may have been written after the read began: read again from the
    // lowest such key (known keys are skipped, so this costs a read, never a duplicate).
    const missed = this.offeredDuringLoad;
    this.nextFrom = this.rewoundDuringLoad ? this.options.gte : missed === undefined ? next : min(next, missed);
    this.offeredDuringLoad = undefined;
    this.rewoundDuringLoad = false;
    this.releasedDuringLoad.clear();
  }
}

function min(a: string | undefined, b: string): string {
  return a === undefined || b < a ? b : a;
}
