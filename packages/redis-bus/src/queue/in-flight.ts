/**
 * The messages one Queue instance holds unacked in reliable mode, with the local estimate of each lease's end. It
 * bounds a consumer's unacked messages (`prefetch`) and forgets a message once acked, nacked, or past its lease (by
 * then the heartbeat of some attacher has put it back in the queue).
 */
export class InFlight {
  private readonly deadlines = new Map<string, number>();
  private waiters: Array<() => void> = [];

  get size(): number {
    return this.deadlines.size;
  }

  add(id: string, leaseMs: number): void {
    this.deadlines.set(id, Date.now() + leaseMs);
  }

  settle(id: string): void {
    if (this.deadlines.delete(id)) this.notify();
  }

  /** Forgets messages whose lease has ended. */
  expire(now = Date.now()): void {
    let changed = false;
    for (const [id, deadline] of this.deadlines) {
      if (deadline <= now) {
        this.deadlines.delete(id);
        changed = true;
      }
    }
    if (changed) this.notify();
  }

  ids(): string[] {
    return [...this.deadlines.keys()];
  }

  clear(): void {
    this.deadlines.clear();
    this.notify();
  }

  /** Resolves at the next change (an ack, a nack, a lapse, a flush). */
  changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
