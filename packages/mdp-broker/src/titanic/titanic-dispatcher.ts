import { backoffDelay, ResoluteError } from '@resolute/core';
import type { Client } from '../client/client.js';
import { MMI_SERVICE } from '../protocol/mmi.js';
import type { ResolvedTitanicOptions } from './titanic-options.js';
import type { TitanicStore } from './titanic-store.js';

export interface DispatcherCounters {
  /** Requests sent to their target service (one per attempt). */
  attempts: number;
  /** Attempts that failed (timeout, no worker, broker gone, store error) and were scheduled again. */
  retries: number;
  /** Replies stored. */
  replies: number;
}

/**
 * Sends each pending request to its target service through an MDP Client and stores the FINAL reply verbatim. At
 * most `concurrency` at once, oldest first; a failed attempt waits with backoff and is tried again, forever, until it
 * gets a reply or titanic.close cancels it. Execution is at-least-once: an attempt that timed out, or one in progress
 * when Titanic stopped, may have run at the target and is sent again.
 */
export class TitanicDispatcher {
  readonly counters: DispatcherCounters = { attempts: 0, retries: 0, replies: 0 };
  /** Ids this dispatcher owns: ready, waiting out a backoff, or in flight. */
  private readonly known = new Map<string, { failures: number; timer: NodeJS.Timeout | undefined }>();
  private readonly ready: string[] = [];
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly store: TitanicStore,
    private readonly client: Client,
    private readonly options: ResolvedTitanicOptions,
  ) {}

  /** Requests waiting for a reply: ready, backing off or in flight. */
  get pending(): number {
    return this.known.size;
  }

  get inFlight(): number {
    return this.running.size;
  }

  /** Takes a stored pending request. Adding one it already has is a no-op. */
  add(id: string): void {
    if (this.closed || this.known.has(id)) return;
    this.known.set(id, { failures: 0, timer: undefined });
    this.ready.push(id);
    this.pump();
  }

  /** Drops a request (titanic.close): no further attempts, and a reply arriving for it is not stored. */
  cancel(id: string): void {
    const entry = this.known.get(id);
    if (entry) clearTimeout(entry.timer);
    this.known.delete(id);
  }

  /** Stops scheduling; waits for attempts in flight (the caller closes the client to cut them short). */
  async close(): Promise<void> {
    this.closed = true;
    for (const entry of this.known.values()) clearTimeout(entry.timer);
    await Promise.allSettled([...this.running]);
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.options.concurrency && this.ready.length > 0) {
      const id = this.ready.shift() as string;
      if (!this.known.has(id)) continue;
      const run = this.attempt(id).finally(() => {
        this.running.delete(run);
        this.pump();
      });
      this.running.add(run);
    }
  }

  private async attempt(id: string): Promise<void> {
    try {
      const request = await this.store.request(id);
      if (request === undefined) {
        this.cancel(id);
        return;
      }
      const { service, body } = request;
      if (this.options.checkService) await this.assertServiceReady(service);
      if (!this.known.has(id)) return;
      this.counters.attempts += 1;
      const reply = await this.client.requestFinal(service, body, { timeoutMs: this.options.requestTimeoutMs, decodeErrors: false });
      // Closed while the request ran: titanic.close already deleted it, so the reply is not kept.
      if (!this.known.has(id)) return;
      await this.store.addReply(id, reply);
      this.counters.replies += 1;
      this.cancel(id);
    } catch (error) {
      this.retryLater(id, error);
    }
  }

  private async assertServiceReady(service: string): Promise<void> {
    const answer = await this.client.requestFinal(MMI_SERVICE, service, { timeoutMs: this.options.requestTimeoutMs });
    if (answer[0]?.toString() !== '200') {
      throw new ResoluteError('UNREACHABLE', `titanic: no worker for ${service} is registered at the broker yet`);
    }
  }

  private retryLater(id: string, error: unknown): void {
    const entry = this.known.get(id);
    if (this.closed || entry === undefined) return;
    entry.failures += 1;
    this.counters.retries += 1;
    const delay = backoffDelay(this.options.retry, entry.failures);
    this.options.logger.debug({ id, err: error, retryInMs: delay }, 'titanic: attempt failed, will retry');
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      if (!this.known.has(id)) return;
      this.ready.push(id);
      this.pump();
    }, delay);
    entry.timer.unref();
  }
}
