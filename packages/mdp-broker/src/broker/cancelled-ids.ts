/**
 * Client socket ids named by an mmi.resolute.cancel that found no request. Cancel and request travel on different
 * connections, so a cancel can overtake the request it names (a client aborting right after sending); the request is
 * then dropped when it arrives. Ids are kept for `ttlMs` (the broker's requestExpiryMs), at most `max` of them.
 */
export class CancelledIds {
  private readonly ids = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly max = 10_000,
  ) {}

  add(client: Buffer, now = Date.now()): void {
    const key = client.toString('hex');
    this.ids.delete(key);
    this.ids.set(key, now + this.ttlMs);
    for (const oldest of this.ids.keys()) {
      if (this.ids.size <= this.max) break;
      this.ids.delete(oldest);
    }
  }

  /** True (and forgotten) if a request from `client` was cancelled before it arrived. */
  take(client: Buffer, now = Date.now()): boolean {
    if (this.ids.size === 0) return false;
    const key = client.toString('hex');
    const expiresAt = this.ids.get(key);
    if (expiresAt === undefined) return false;
    this.ids.delete(key);
    return expiresAt > now;
  }

  expire(now = Date.now()): void {
    for (const [key, expiresAt] of this.ids) {
      if (expiresAt > now) break;
      this.ids.delete(key);
    }
  }
}
