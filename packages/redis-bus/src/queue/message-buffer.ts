/**
 * A bounded hand-over between a consumer loop and a `for await` loop: `put` waits while `limit` items are waiting,
 * so the consumer never runs ahead of the reader by more than that (backpressure instead of an unbounded buffer).
 */
export class MessageBuffer<T> {
  private readonly items: T[] = [];
  private ended = false;
  private readers: Array<(result: IteratorResult<T>) => void> = [];
  private room: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async put(values: readonly T[]): Promise<void> {
    for (const value of values) {
      if (this.ended) return;
      const reader = this.readers.shift();
      if (reader) reader({ value, done: false });
      else this.items.push(value);
    }
    while (!this.ended && this.items.length >= this.limit) await new Promise<void>((resolve) => this.room.push(resolve));
  }

  /** No more items: readers finish once the buffered ones are read. */
  end(): void {
    this.ended = true;
    for (const reader of this.readers.splice(0)) reader({ value: undefined, done: true });
    this.wakeWriters();
  }

  /** Ends at once, dropping buffered items. */
  drop(): void {
    this.items.length = 0;
    this.end();
  }

  iterator(onReturn: () => Promise<void>): AsyncIterableIterator<T> {
    const next = (): Promise<IteratorResult<T>> => {
      const value = this.items.shift();
      if (value !== undefined) {
        this.wakeWriters();
        return Promise.resolve({ value, done: false });
      }
      if (this.ended) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => this.readers.push(resolve));
    };
    const iterator: AsyncIterableIterator<T> = {
      next,
      return: async () => {
        this.drop();
        await onReturn();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  private wakeWriters(): void {
    for (const wake of this.room.splice(0)) wake();
  }
}
