interface Pending {
  readonly body: string | Buffer;
  readonly resolve: (id: string) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for pushes: pushes made while a batch is in flight go together in the next script call, so a burst
 * costs a few round trips (and fsyncs on an AOF server) instead of one each. One batch is in flight at a time, which
 * also keeps one producer's pushes in call order even when a batch has to be re-sent as EVAL after NOSCRIPT.
 */
export class PushBatcher {
  private pending: Pending[] = [];
  private running: Promise<void> | undefined;

  constructor(
    /** Pushes the bodies in order and resolves with the first one's id (the others follow, +1 each). */
    private readonly send: (bodies: Array<string | Buffer>) => Promise<number>,
    private readonly maxBatch = 256,
  ) {}

  push(body: string | Buffer): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      this.pending.push({ body, resolve, reject });
      // A microtask later, so a synchronous burst of pushes leaves in one batch.
      this.running ??= Promise.resolve().then(() => this.drain());
    });
  }

  /** Resolves once every push made so far has settled. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.maxBatch);
        try {
          const first = await this.send(batch.map((p) => p.body));
          batch.forEach((p, i) => p.resolve(String(first + i)));
        } catch (error) {
          for (const p of batch) p.reject(error);
        }
      }
    } finally {
      this.running = undefined;
    }
  }
}
