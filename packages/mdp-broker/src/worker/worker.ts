import { ResoluteError } from '@resolute/core';
import type { RequestHandler } from './reply-stream.js';
import { WorkerConnection } from './worker-connection.js';
import { resolveWorkerOptions, type ResolvedWorkerOptions, type WorkerOptions } from './worker-options.js';

/**
 * A Majordomo worker for one service (18/MDP v0.2). `concurrency` requests are served at once, each over its own
 * worker connection to the broker, which dispatches to them least-recently-used. Reconnects by itself after a
 * DISCONNECT or a lost broker; requests in progress then are dropped (the broker requeues, abandons or cancelled
 * them) and their handlers' reply.signal is aborted. A connection takes no new request until that handler settled
 * (at most drainTimeoutMs).
 */
export class Worker {
  private readonly options: ResolvedWorkerOptions;
  private readonly connections: WorkerConnection[] = [];
  private handler: RequestHandler | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: WorkerOptions) {
    this.options = resolveWorkerOptions(options);
  }

  /** Sets the handler. It answers through the reply stream; a throw or rejection becomes reply.reject(error). */
  onRequest(handler: RequestHandler): this {
    this.handler = handler;
    return this;
  }

  /** Connects `concurrency` worker connections and sends READY on each; returns at once (ZeroMQ connects in the background). */
  start(): this {
    if (this.closing) throw new ResoluteError('BUS_CLOSED', `Worker ${this.options.service}: closed; create a new Worker`, { retryable: false });
    if (!this.handler) throw new ResoluteError('NO_HANDLER', `Worker ${this.options.service}: call onRequest(handler) before start()`, { retryable: false });
    while (this.connections.length < this.options.concurrency) {
      const connection = new WorkerConnection(this.options, () => this.handler);
      this.connections.push(connection);
      connection.start();
    }
    return this;
  }

  /** Requests finished (replied or rejected) since start. */
  get served(): number {
    return this.connections.reduce((sum, c) => sum + c.served, 0);
  }

  /** Requests abandoned before their reply was finished (their handler's reply.signal aborted; see ReplyStream.signal). */
  get abandoned(): number {
    return this.connections.reduce((sum, c) => sum + c.abandoned, 0);
  }

  /** Conversations with the broker begun since start: concurrency at first, one more per reconnect. */
  get sessions(): number {
    return this.connections.reduce((sum, c) => sum + c.sessions, 0);
  }

  /** Lets requests in progress finish (up to drainTimeoutMs), says DISCONNECT, closes. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= Promise.all(this.connections.map((c) => c.close())).then(() => undefined);
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
