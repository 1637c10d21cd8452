import { createHash } from 'node:crypto';

interface Entry {
  readonly body: readonly Buffer[];
  readonly expiresAt: number;
}

/**
 * FINAL replies by (service, request body), each kept for ttlMs, at most maxEntries (the least recently used goes
 * first). Keys are SHA-256 digests of the service and the length-prefixed frames, so a large request body is not kept
 * twice and ["ab", "c"] never collides with ["a", "bc"]. Bodies are copied in and out: a caller that changes a
 * returned Buffer does not change what the next caller gets.
 */
export class ReplyCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  static key(service: string, body: readonly Buffer[]): string {
    const hash = createHash('sha256');
    const length = Buffer.alloc(4);
    for (const frame of [Buffer.from(service, 'latin1'), ...body]) {
      length.writeUInt32BE(frame.length);
      hash.update(length).update(frame);
    }
    return hash.digest('base64');
  }

  /** The reply stored under `key` if it has not expired; a hit makes it the most recently used. */
  get(key: string): Buffer[] | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) return undefined;
    this.entries.set(key, entry);
    return entry.body.map((frame) => Buffer.from(frame));
  }

  set(key: string, body: readonly Buffer[]): void {
    this.entries.delete(key);
    this.entries.set(key, { body: body.map((frame) => Buffer.from(frame)), expiresAt: this.now() + this.ttlMs });
    // Map iteration is in insertion order and get() re-inserts on a hit, so the first key is the least recently used.
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
