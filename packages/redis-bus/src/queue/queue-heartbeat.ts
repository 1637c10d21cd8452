import type { Logger } from '@resolute/core';
import type { RedisClient } from '../connection/redis-connection.js';
import { QUEUE_SCRIPTS } from './queue-scripts.js';

export interface HeartbeatTarget {
  readonly client: RedisClient;
  readonly keys: readonly string[];
  readonly name: string;
  readonly attacherId: string;
  readonly heartbeatMs: number;
  readonly livenessMs: number;
  readonly logger: Logger;
  ttlMs(): number;
  /** This handle's consumer id while it holds (or may take) reliable messages, else undefined. */
  consumerId(): string | undefined;
  /** Called before each beat (the handle forgets lapsed leases). */
  beforeBeat(): void;
  report(error: unknown, what: string): void;
}

/**
 * An attached handle's heartbeat, every `heartbeatMs`: renews its attachment (and its reliable consumer), keeps the
 * queue's keys alive, and reclaims messages of lapsed leases and dead consumers (lua/queue-heartbeat-9.lua). One
 * beat at a time; `stop()` waits for a beat in progress, so none lands after a detach.
 */
export class QueueHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;

  constructor(private readonly target: HeartbeatTarget) {}

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.beat(), this.target.heartbeatMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
  }

  beat(): Promise<void> {
    const t = this.target;
    this.beating ??= (async () => {
      try {
        t.beforeBeat();
        const args = [t.attacherId, t.livenessMs, t.ttlMs(), t.consumerId() ?? ''];
        const [reclaimed, , recreated] = (await QUEUE_SCRIPTS.heartbeat.run(t.client, t.keys, args)) as number[];
        if (reclaimed! > 0) t.logger.debug({ queue: t.name, reclaimed }, 'queue: messages of lapsed leases or dead consumers put back');
        if (recreated === 1) t.logger.warn({ queue: t.name }, 'queue: it had vanished (expired, destroyed or Redis lost its data) and was re-created empty');
      } catch (error) {
        t.report(error, 'heartbeat');
      }
    })().finally(() => {
      this.beating = undefined;
    });
    return this.beating;
  }
}
