import { ResoluteError } from '@resolute/core';
import { Client } from '../client/client.js';
import { Worker } from '../worker/worker.js';
import { TitanicDispatcher } from './titanic-dispatcher.js';
import { resolveTitanicOptions, type ResolvedTitanicOptions, type TitanicOptions } from './titanic-options.js';
import { TITANIC_SERVICES } from './titanic-protocol.js';
import { titanicClose, titanicReply, titanicRequest, type TitanicCounters, type TitanicServiceContext } from './titanic-services.js';
import { TitanicStore } from './titanic-store.js';

export interface TitanicStats extends TitanicCounters {
  /** Attempts at target services, retries after failed attempts, replies stored. */
  attempts: number;
  retries: number;
  repliesStored: number;
  /** Now: requests without a reply yet, and attempts in flight. */
  pending: number;
  inFlight: number;
}

/**
 * The Titanic pattern (9/TSP) on a core Store: three MDP workers (titanic.request, titanic.reply, titanic.close) and
 * a dispatcher that calls each stored request's target service through an MDP client and stores its FINAL reply.
 * A request answered 200 is on disk; pending requests are read back from the store at start, so they survive a
 * crash of Titanic, the broker or the target's workers.
 */
export class Titanic {
  private readonly options: ResolvedTitanicOptions;
  private readonly store: TitanicStore;
  private readonly client: Client;
  private readonly dispatcher: TitanicDispatcher;
  private readonly counters: TitanicCounters = { requestsStored: 0, repliesServed: 0, closed: 0, refused: 0 };
  private readonly workers: Worker[] = [];
  private state: 'new' | 'starting' | 'started' | 'closed' = 'new';
  private closing: Promise<void> | undefined;

  constructor(options: TitanicOptions) {
    this.options = resolveTitanicOptions(options);
    this.store = new TitanicStore(this.options.store);
    const { broker, requestTimeoutMs, curve, logger } = this.options;
    this.client = new Client({ brokers: [broker], timeoutMs: requestTimeoutMs, curve, logger });
    this.dispatcher = new TitanicDispatcher(this.store, this.client, this.options);
  }

  /** Opens the store, takes up the pending requests it holds, registers the three services. Resolves once registering has begun. */
  async start(): Promise<this> {
    if (this.state !== 'new') throw new ResoluteError('BUS_CLOSED', 'Titanic.start: already started or closed; create a new Titanic', { retryable: false });
    this.state = 'starting';
    await this.options.store.open();
    for await (const id of this.store.pendingIds()) this.dispatcher.add(id);
    if (this.closing) return this;
    const context: TitanicServiceContext = {
      store: this.store,
      logger: this.options.logger,
      stored: (id) => this.dispatcher.add(id),
      closed: (id) => this.dispatcher.cancel(id),
    };
    const services = [
      [TITANIC_SERVICES.request, titanicRequest],
      [TITANIC_SERVICES.reply, titanicReply],
      [TITANIC_SERVICES.close, titanicClose],
    ] as const;
    const { broker, workerConcurrency, heartbeatIntervalMs, heartbeatLiveness, reconnectDelayMs, drainTimeoutMs, curve, logger } = this.options;
    for (const [service, serve] of services) {
      const worker = new Worker({ broker, service, concurrency: workerConcurrency, heartbeatIntervalMs, heartbeatLiveness, reconnectDelayMs, drainTimeoutMs, curve, logger });
      worker.onRequest(async (request, reply) => reply.end(await serve(context, this.counters, request.body)));
      this.workers.push(worker.start());
    }
    this.state = 'started';
    return this;
  }

  stats(): TitanicStats {
    const { attempts, retries, replies } = this.dispatcher.counters;
    return { ...this.counters, attempts, retries, repliesStored: replies, pending: this.dispatcher.pending, inFlight: this.dispatcher.inFlight };
  }

  /**
   * Lets TSP requests in progress finish and unregisters the services, stops the dispatcher (an attempt in flight is
   * abandoned and sent again after the next start), then closes the store. Safe to call twice.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async shutdown(): Promise<void> {
    const wasStarted = this.state !== 'new';
    this.state = 'closed';
    await Promise.all(this.workers.map((worker) => worker.close()));
    const stopping = this.dispatcher.close();
    await this.client.close();
    await stopping;
    if (wasStarted) await this.options.store.close();
  }
}
