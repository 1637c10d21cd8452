import { ResoluteError, type Logger, type Receiver } from '@resolute/core';
import { mapRedisError } from '../connection/map-redis-error.js';
import type { RedisClient, RedisConnection } from '../connection/redis-connection.js';
import type { RedisTransportSettings } from './redis-transport-options.js';
import type { RedisTransportStats } from './redis-transport-stats.js';
import { parseClaimReply, parseReadReply, type StreamEntry } from './stream-entries.js';
import { compareIds, type StreamRef } from './stream-names.js';
import { STREAM_SCRIPTS } from './stream-scripts.js';

/** Pages of XAUTOCLAIM (maxBatch each) one reclaim round takes at most, so new entries are not starved. */
const RECLAIM_PAGES = 10;

export interface StreamReaderHooks {
  /** The group vanished (unsubscribed elsewhere, or Redis lost it): create it again, or stop reading. */
  missingGroup(reader: StreamReader): Promise<'recreated' | 'stop'>;
  /** A draining group was destroyed: forget the drain. */
  drained(reader: StreamReader): Promise<void>;
}

export interface StreamReaderOptions {
  readonly connection: RedisConnection;
  readonly stream: StreamRef;
  /** The consumer group: the endpoint's name. */
  readonly group: string;
  readonly settings: RedisTransportSettings;
  readonly receive: Receiver;
  readonly stats: RedisTransportStats;
  readonly logger: Logger;
  readonly hooks: StreamReaderHooks;
}

export function isNoGroupError(error: unknown): boolean {
  return error instanceof Error && /NOGROUP/.test(error.message);
}

/**
 * Reads one stream for one group as one consumer, on a connection of its own (XREADGROUP BLOCK holds it), and hands
 * what it reads to the bus one batch at a time:
 * - first its own pending entries (`0`: what this consumer read before and did not acknowledge), then new ones (`>`);
 * - every `reclaimIntervalMs`, entries of any consumer of the group idle for longer than the lease (XAUTOCLAIM);
 * - an entry is acknowledged only once `receive` resolved (XACK, plus XDEL on an endpoint's stream); while the bus is
 *   storing a batch its lease is renewed every lease/3; a refused batch stays pending and is read again from `0`
 *   after a pause that doubles per consecutive refusal (no hot loop; batches read ahead meanwhile are handed over
 *   before it, so after a refusal order is not kept);
 * - new entries are read ahead: up to `readAhead` batches may be in the bus's hands at once (handed over in read
 *   order). Their acks and lease renewals go over the shared connection, since this reader's own may be blocked in
 *   the next XREADGROUP. Before reading from `0` again (after a refusal or an error) it waits for the batches still in
 *   the bus's hands, so none is handed over twice at once;
 * - every `trimIntervalMs`, housekeeping: trim what every group acknowledged, delete consumers of dead processes;
 * - while draining (its endpoint unsubscribed from the topic), entries after the cutoff are acknowledged unread, and
 *   once nothing up to the cutoff is left the group is destroyed.
 * Errors (a lost connection) are logged and retried after a pause, reading from `0` again, since a read whose reply
 * was lost may have made entries pending for this consumer.
 */
export class StreamReader {
  private client: RedisClient | undefined;
  private cursor: '0' | '>' = '0';
  private cutoff: string | undefined;
  private stopping = false;
  private finished = false;
  private blocked = false;
  private nextReclaim = 0;
  private nextHousekeeping = 0;
  private refusals = 0;
  private errors = 0;
  private readonly wakers = new Set<() => void>();
  private loop: Promise<void> = Promise.resolve();
  /** Batches of new entries handed to the bus and not yet settled (read-ahead). */
  private readonly ahead = new Set<Promise<void>>();

  constructor(private readonly options: StreamReaderOptions) {}

  get stream(): StreamRef {
    return this.options.stream;
  }

  /** Resolves once the reader's own connection is up; reading goes on in the background until `stop`. */
  async start(cutoff?: string): Promise<void> {
    this.cutoff = cutoff;
    this.client = await this.options.connection.dedicated(this.options.stream.name);
    this.loop = this.run();
  }

  /** Its endpoint unsubscribed: hand over entries up to `cutoff`, skip later ones, then destroy the group. */
  drain(cutoff: string): void {
    this.cutoff = cutoff;
  }

  /** Subscribed again while draining: read everything again. */
  resume(): void {
    this.cutoff = undefined;
  }

  /** True once the loop has ended (stopped, drained, or its group is gone). */
  get done(): boolean {
    return this.finished;
  }

  /** Ends the loop: a blocked read is cut, a batch in the bus's hands is awaited and acknowledged. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const wake of [...this.wakers]) wake();
    if (this.blocked && this.client !== undefined) this.client.disconnect();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { settings, logger, stream } = this.options;
    while (!this.stopping && !this.finished) {
      try {
        const now = Date.now();
        if (now >= this.nextReclaim) {
          this.nextReclaim = now + settings.reclaimIntervalMs;
          await this.reclaim();
        }
        if (now >= this.nextHousekeeping) {
          this.nextHousekeeping = now + settings.trimIntervalMs;
          await this.housekeep();
        }
        if (this.stopping || this.finished) break;
        // Pending entries are re-read only once no batch is in the bus's hands (it would be handed over twice).
        if (this.cursor === '0' && this.ahead.size > 0) await this.settleAhead();
        const cursor = this.cursor;
        const entries = await this.read(cursor);
        this.errors = 0;
        if (entries.length > 0) {
          if (cursor === '>' && this.cutoff === undefined) await this.deliverAhead(entries);
          else await this.deliver(entries, cursor === '0');
        } else if (cursor === '0') this.cursor = '>';
        else await this.finishDrain();
      } catch (caught) {
        if (this.stopping) break;
        this.cursor = '0';
        let error = caught;
        if (isNoGroupError(error)) {
          try {
            if ((await this.options.hooks.missingGroup(this)) === 'stop') this.finished = true;
            continue;
          } catch (hookError) {
            error = hookError;
          }
        }
        this.options.stats.readErrors++;
        this.errors++;
        const mapped = mapRedisError(error, `redis-bus: reading ${stream.key}`);
        if (this.errors === 1) logger.warn({ err: mapped, stream: stream.key }, 'redis-bus reader: command failed, retrying');
        await this.pause(Math.min(50 * 2 ** Math.min(this.errors, 10), 2_000));
      }
    }
    await this.settleAhead();
    this.finished = true;
    await this.release();
  }

  /** Hands a batch of new entries to the bus without waiting for it, then waits while `readAhead` batches are out. */
  private async deliverAhead(entries: readonly StreamEntry[]): Promise<void> {
    const work = this.deliver(entries, false).then(
      () => undefined,
      (error: unknown) => {
        // Not acknowledged (a lost connection, say): the entries stay pending for this consumer; read them again.
        this.cursor = '0';
        this.options.logger.warn({ err: mapRedisError(error, 'redis-bus: acknowledging'), stream: this.options.stream.key }, 'redis-bus reader: could not acknowledge a batch: reading pending entries again');
      },
    );
    this.ahead.add(work);
    void work.finally(() => this.ahead.delete(work));
    while (this.ahead.size >= this.options.settings.readAhead) await Promise.race(this.ahead);
  }

  private async settleAhead(): Promise<void> {
    while (this.ahead.size > 0) await Promise.allSettled([...this.ahead]);
  }

  private async read(cursor: '0' | '>'): Promise<StreamEntry[]> {
    const { group, settings, stream } = this.options;
    const block = cursor === '>' ? ['BLOCK', settings.blockMs] : [];
    this.blocked = cursor === '>';
    try {
      const reply = await this.command((c) => c.callBuffer('XREADGROUP', 'GROUP', group, settings.consumer, 'COUNT', settings.maxBatch, ...block, 'STREAMS', stream.key, cursor), cursor === '>' ? settings.blockMs : 0);
      return parseReadReply(reply);
    } finally {
      this.blocked = false;
    }
  }

  private async reclaim(): Promise<void> {
    const { group, settings, stream, stats } = this.options;
    stats.reclaimRounds++;
    let cursor = '0-0';
    for (let page = 0; page < RECLAIM_PAGES && !this.stopping; page++) {
      const claimed = parseClaimReply(await this.command((c) => c.callBuffer('XAUTOCLAIM', stream.key, group, settings.consumer, settings.leaseMs, cursor, 'COUNT', settings.maxBatch)));
      cursor = claimed.cursor;
      if (claimed.entries.length > 0) {
        stats.reclaimed += claimed.entries.length;
        if (!(await this.deliver(claimed.entries, true))) return;
      }
      if (cursor === '0-0') return;
    }
  }

  /** Hands one batch to the bus and acknowledges it once stored. False when the bus refused it. */
  private async deliver(entries: readonly StreamEntry[], again: boolean): Promise<boolean> {
    const { stats, logger, stream } = this.options;
    const cutoff = this.cutoff;
    const skipped = entries.filter((e) => e.bytes === undefined || (cutoff !== undefined && compareIds(e.id, cutoff) > 0));
    const batch = skipped.length === 0 ? entries : entries.filter((e) => !skipped.includes(e));
    if (skipped.length > 0) {
      await this.ack(skipped);
      stats.skipped += skipped.length;
    }
    if (batch.length === 0) {
      await this.finishDrain();
      return true;
    }
    stats.delivered += batch.length;
    if (again) stats.redelivered += batch.length;
    const lease = setInterval(() => void this.extendLease(batch), Math.max(100, Math.floor(this.options.settings.leaseMs / 3)));
    try {
      await this.options.receive(batch.map((e) => ({ bytes: e.bytes! })));
    } catch (error) {
      clearInterval(lease);
      stats.refusedBatches++;
      this.refusals++;
      this.cursor = '0';
      logger.warn({ err: error, stream: stream.key, size: batch.length }, 'the bus refused a received batch: handed over again after a pause');
      const base = this.options.settings.refusalDelayMs;
      await this.pause(Math.min(base * 2 ** (this.refusals - 1), base * 20));
      return false;
    }
    clearInterval(lease);
    this.refusals = 0;
    await this.ack(batch);
    stats.acked += batch.length;
    if (skipped.length > 0) await this.finishDrain();
    return true;
  }

  /** On the shared connection: this reader's own may be blocked in the next read (read-ahead). */
  private async ack(entries: readonly StreamEntry[]): Promise<void> {
    const { connection, group, stream } = this.options;
    await this.shared('acknowledging', STREAM_SCRIPTS.ack.run(connection.clientFor(stream.name), [stream.key], [group, stream.kind === 'endpoint' ? '1' : '0', ...entries.map((e) => e.id)]));
  }

  private async extendLease(batch: readonly StreamEntry[]): Promise<void> {
    const { connection, group, settings, stream, logger } = this.options;
    try {
      await this.shared('renewing a lease', STREAM_SCRIPTS.extendLease.run(connection.clientFor(stream.name), [stream.key], [group, settings.consumer, batch[0]!.id, batch[batch.length - 1]!.id, batch.length]));
    } catch (error) {
      logger.debug({ err: error, stream: stream.key }, 'redis-bus reader: could not renew a lease (another consumer may claim the batch: the inbox dedupes)');
    }
  }

  private async housekeep(): Promise<void> {
    const { group, settings, stream, stats } = this.options;
    const [trimmed, pruned] = (await this.command((c) => STREAM_SCRIPTS.housekeep.run(c, [stream.key], [group, settings.consumerExpiryMs]))) as [number, number];
    stats.housekeepingRounds++;
    stats.trimmed += trimmed;
    stats.prunedConsumers += pruned;
  }

  /** While draining: destroy the group once nothing up to the cutoff is left for it. */
  private async finishDrain(): Promise<void> {
    const cutoff = this.cutoff;
    if (cutoff === undefined) return;
    const { group, stream } = this.options;
    const gone = (await this.command((c) => STREAM_SCRIPTS.dropGroup.run(c, [stream.key], [group, cutoff]))) === 1;
    if (gone && this.cutoff === cutoff) {
      await this.options.hooks.drained(this);
      this.finished = true;
    }
  }

  /** On the way out: what this consumer still holds becomes claimable at once, then its connection is closed. */
  private async release(): Promise<void> {
    const { connection, group, settings, stream, logger } = this.options;
    const client = connection.clientFor(stream.name);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        STREAM_SCRIPTS.release.run(client, [stream.key], [group, settings.consumer, settings.leaseMs, 10_000]),
        new Promise((resolve) => (timer = setTimeout(resolve, settings.closeTimeoutMs))),
      ]);
    } catch (error) {
      logger.debug({ err: error, stream: stream.key }, 'redis-bus reader: could not release pending entries: they are reclaimed after the lease');
    } finally {
      clearTimeout(timer);
      if (this.client !== undefined) connection.release(this.client);
    }
  }

  /**
   * A command on the shared connection, failed with TIMEOUT when no reply came within `stallTimeoutMs` (a silent
   * network cut that TCP has not noticed): a batch whose ack fails that way may be read again (the ack is not
   * withdrawn and may still land; the inbox dedupes), instead of holding a read-ahead slot, and `close`, forever.
   */
  private async shared<T>(what: string, reply: Promise<T>): Promise<T> {
    const stallMs = this.options.settings.stallTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        reply,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new ResoluteError('TIMEOUT', `redis-bus: no reply from Redis within ${stallMs} ms while ${what} (a silent network cut?)`)), stallMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs a command on the reader's connection; redials it when no reply came `stallTimeoutMs` after `waitMs`. */
  private async command<T>(run: (client: RedisClient) => Promise<T>, waitMs = 0): Promise<T> {
    const client = this.client!;
    const watchdog = setTimeout(() => {
      this.options.logger.warn({ stream: this.options.stream.key }, 'redis-bus reader: no reply from Redis: reconnecting');
      client.disconnect(true);
    }, waitMs + this.options.settings.stallTimeoutMs);
    try {
      return await run(client);
    } finally {
      clearTimeout(watchdog);
    }
  }

  /** Several pauses can run at once (refused read-ahead batches): `stop` ends every one. */
  private pause(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }
}
