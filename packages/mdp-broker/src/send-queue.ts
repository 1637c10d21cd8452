import type { Logger } from '@resolute/core';

interface Sender {
  send(frames: Buffer[]): Promise<void>;
}

/**
 * zeromq.js allows one pending send per socket (a second one fails with EBUSY), while a broker or worker sends from
 * timers and handlers at once. This queue sends in arrival order, one at a time. A failed send is logged and dropped:
 * MDP recovers lost commands through heartbeats and client retries, never by resending here.
 */
export class SendQueue {
  private readonly pending: Buffer[][] = [];
  private draining: Promise<void> | undefined;

  constructor(
    private readonly socket: Sender,
    private readonly logger: Logger,
  ) {}

  /** Queues a message; resolves once it (and everything before it) was handed to ZeroMQ or dropped. */
  send(frames: Buffer[]): Promise<void> {
    this.pending.push(frames);
    // Cleared in a later tick by .finally(), never inside drain(): a drain that finishes synchronously (every send
    // throwing at once, as on a closed socket) would otherwise leave a settled promise here forever and idle() spinning.
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  /** Resolves when nothing is queued. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    for (let frames = this.pending.shift(); frames; frames = this.pending.shift()) {
      try {
        await this.socket.send(frames);
      } catch (error) {
        this.logger.debug({ err: error }, 'mdp: send dropped');
      }
    }
  }
}
