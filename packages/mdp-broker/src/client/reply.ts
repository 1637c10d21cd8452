import { ResoluteError } from '@resolute/core';

/**
 * The answer to one request: iterate it for the PARTIAL replies in arrival order (the iteration ends after the last
 * one and throws if the request fails), and await `final` for the FINAL reply. Either may be used alone.
 */
export interface Reply extends AsyncIterable<Buffer[]> {
  readonly final: Promise<Buffer[]>;
}

/** A reply being filled in by the client. */
export class ReplyChannel implements Reply {
  readonly final: Promise<Buffer[]>;
  private readonly partials: Buffer[][] = [];
  private done = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private settle!: { resolve: (body: Buffer[]) => void; reject: (error: unknown) => void };

  constructor() {
    this.final = new Promise<Buffer[]>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // Only iterating is fine too: the failure then surfaces there, not as an unhandled rejection.
    this.final.catch(() => undefined);
  }

  get finished(): boolean {
    return this.done;
  }

  partial(body: Buffer[]): void {
    if (this.done) return;
    this.partials.push(body);
    this.notify();
  }

  resolve(body: Buffer[]): void {
    if (this.done) return;
    this.done = true;
    this.settle.resolve(body);
    this.notify();
  }

  reject(error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.failure = error instanceof Error ? error : new ResoluteError('INTERNAL', `request failed: ${String(error)}`);
    this.settle.reject(this.failure);
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer[]> {
    for (;;) {
      const next = this.partials.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.done) {
        if (this.failure !== undefined) throw this.failure;
        return;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }
}
