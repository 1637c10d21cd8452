import type { RedisClient, RedisConnection } from '../connection/redis-connection.js';
import type { InFlight } from './in-flight.js';
import { decodeMessages, type QueueMessage } from './queue-message.js';
import { KEY, type QueueAddress } from './queue-keys.js';
import type { ResolvedConsumeOptions } from './queue-options.js';
import { QUEUE_SCRIPTS, runBinary } from './queue-scripts.js';

/** What a consumer needs from its Queue. */
export interface ConsumerContext {
  readonly connection: RedisConnection;
  readonly client: RedisClient;
  readonly keys: readonly string[];
  readonly address: QueueAddress;
  readonly consumerId: string;
  readonly livenessMs: number;
  readonly inflight: InFlight;
  /** Logs the error and emits it on the queue; the loop then backs off and tries again. */
  report(error: unknown, what: string): void;
  message(delivery: { id: string; raw: Buffer; attempt: number }, reliable: boolean): QueueMessage;
}

/**
 * One consumption of a queue: takes messages (reliable, removing or peeking) and hands them to `sink` until stopped,
 * `max` is reached or the signal aborts. When the queue is empty it blocks on the queue's wake-up list (BLPOP on a
 * connection of its own), so an idle consumer costs one blocked command, not a polling loop; a push wakes it.
 */
export class QueueConsumer {
  private stopped = false;
  private resolveStopped!: () => void;
  private readonly stopping = new Promise<void>((resolve) => (this.resolveStopped = resolve));
  private blocking: RedisClient | undefined;
  private done: Promise<void> = Promise.resolve();
  private delivered = 0;

  constructor(
    private readonly context: ConsumerContext,
    readonly options: ResolvedConsumeOptions,
    private readonly sink: (messages: QueueMessage[]) => void | Promise<void>,
    private readonly onEnd: () => void,
  ) {}

  get reliable(): boolean {
    return this.options.reliable;
  }

  /** Resolves once the loop has ended (stopped, `max` reached, aborted). */
  get ended(): Promise<void> {
    return this.done;
  }

  start(): void {
    const signal = this.options.signal;
    if (signal?.aborted) this.halt();
    signal?.addEventListener('abort', () => this.halt(), { once: true });
    this.done = this.run().finally(() => {
      this.releaseBlocking();
      this.onEnd();
    });
  }

  /** Stops taking messages; resolves once the loop has ended (a delivery in progress is abandoned, not awaited). */
  async stop(): Promise<void> {
    this.halt();
    await this.done;
  }

  private halt(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.resolveStopped();
    // A BLPOP in progress rejects at once when its connection goes.
    this.releaseBlocking();
  }

  private async run(): Promise<void> {
    const { options, context } = this;
    const peek = !options.remove;
    let cursor = 0;
    let hint = 0;
    let failures = 0;
    while (!this.stopped) {
      const left = options.max === undefined ? Number.POSITIVE_INFINITY : options.max - this.delivered;
      if (left <= 0) return;
      let room = options.prefetch;
      if (options.reliable) {
        context.inflight.expire();
        room -= context.inflight.size;
        if (room <= 0) {
          await this.until(context.inflight.changed());
          continue;
        }
      }
      try {
        const count = Math.min(room, left);
        let batch: Array<{ id: string; raw: Buffer; attempt: number }>;
        if (peek) {
          const reply = (await runBinary(QUEUE_SCRIPTS.peek, context.client, context.keys, [cursor, hint, count])) as unknown[];
          hint = Number(reply[0]);
          batch = decodeMessages(reply, 2, 1);
          if (batch.length > 0) cursor = Number(batch[batch.length - 1]!.id);
        } else {
          const mode = options.reliable ? 'reliable' : 'remove';
          const reply = (await runBinary(QUEUE_SCRIPTS.take, context.client, context.keys, [mode, count, context.consumerId, options.leaseMs, context.livenessMs])) as unknown[];
          batch = decodeMessages(reply, 3);
          if (options.reliable) for (const m of batch) context.inflight.add(m.id, options.leaseMs);
        }
        failures = 0;
        if (batch.length > 0) {
          this.delivered += batch.length;
          await this.until(this.sink(batch.map((m) => context.message(m, options.reliable))));
        } else if (peek) {
          await this.pause(options.peekIntervalMs);
        } else {
          await this.block();
        }
      } catch (error) {
        if (this.stopped) return;
        context.report(error, peek ? 'peek' : 'consume');
        failures++;
        await this.pause(Math.min(50 * 2 ** failures, 2_000));
      }
    }
  }

  /** Waits for a wake-up token (a push, a reclaim) or `blockMs`, on a connection of its own. */
  private async block(): Promise<void> {
    if (this.blocking === undefined) {
      const client = await this.context.connection.dedicated(this.context.address.tag);
      if (this.stopped) {
        this.context.connection.release(client);
        return;
      }
      this.blocking = client;
    }
    await this.blocking.blpop(this.context.keys[KEY.notify]!, this.options.blockMs / 1000);
  }

  private releaseBlocking(): void {
    if (this.blocking === undefined) return;
    this.context.connection.release(this.blocking);
    this.blocking = undefined;
  }

  private async until(promise: void | Promise<void>): Promise<void> {
    await Promise.race([promise, this.stopping]);
  }

  private async pause(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))), this.stopping]);
    clearTimeout(timer);
  }
}
