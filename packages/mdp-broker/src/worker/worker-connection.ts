import { ResoluteError } from '@resolute/core';
import { setTimeout as delay } from 'node:timers/promises';
import { Dealer } from 'zeromq';
import { encodeDisconnectV2, encodeHeartbeatV2, encodeReadyV2, encodeWorkerFinalV2, encodeWorkerPartialV2, parseWorkerV2 } from '../protocol/mdp-v2.js';
import { secureDealer } from '../security/curve-client.js';
import { SendQueue } from '../send-queue.js';
import { createReplyStream, type RequestHandler } from './reply-stream.js';
import type { ResolvedWorkerOptions } from './worker-options.js';

/**
 * One 18/MDP worker conversation, renewed forever: a new DEALER, READY, then requests one at a time with heartbeats
 * both ways. DISCONNECT from the broker, or a broker silent for heartbeatLiveness intervals, ends the conversation;
 * after reconnectDelayMs a new socket starts a new one (18/MDP: "reconnect to the broker on a new socket").
 */
export class WorkerConnection {
  private readonly stop = new AbortController();
  private socket: Dealer | undefined;
  private out: SendQueue | undefined;
  private inFlight: Promise<void> | undefined;
  /** Aborts the request in flight (see ReplyStream.signal). */
  private abandon: AbortController | undefined;
  private running: Promise<void> | undefined;
  /** Conversations started, for tests and logs: 1 + reconnects. */
  sessions = 0;
  served = 0;
  /** Requests whose signal was aborted before their reply was finished. */
  abandoned = 0;

  constructor(
    private readonly options: ResolvedWorkerOptions,
    private readonly handler: () => RequestHandler | undefined,
  ) {}

  start(): void {
    this.running ??= this.run();
  }

  /** Waits up to drainTimeoutMs for the request in progress (then aborts its signal), says DISCONNECT, closes the socket. */
  async close(): Promise<void> {
    if (this.stop.signal.aborted) return this.running;
    this.stop.abort();
    if (this.inFlight) await Promise.race([this.inFlight, delay(this.options.drainTimeoutMs)]);
    this.abandonRequest('the worker is closing and stopped waiting for the handler (drainTimeoutMs)');
    if (this.out && this.socket && !this.socket.closed) {
      void this.out.send(encodeDisconnectV2());
      await Promise.race([this.out.idle(), delay(this.options.heartbeatIntervalMs)]);
      this.socket.close();
    }
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stop.signal.aborted) {
      await this.session();
      if (this.stop.signal.aborted) break;
      // The request of the conversation that ended was abandoned (its signal aborted). Let its handler wind down
      // before taking a new request on this slot, so `concurrency` holds; bounded, for handlers that ignore it.
      if (this.inFlight) await Promise.race([this.inFlight, delay(this.options.drainTimeoutMs, undefined, { signal: this.stop.signal }).catch(() => undefined)]);
      await delay(this.options.reconnectDelayMs, undefined, { signal: this.stop.signal }).catch(() => undefined);
    }
  }

  private async session(): Promise<void> {
    const { broker, service, heartbeatIntervalMs, heartbeatLiveness, logger } = this.options;
    const socket = new Dealer({ linger: 0, sendTimeout: heartbeatIntervalMs });
    // With CURVE, say once per conversation why the broker does not answer (it then looks like a silent broker).
    let warned = false;
    const warnOnce = (error: Error, message: string): void => {
      if (!warned) logger.warn({ err: error, broker, service }, message);
      warned = true;
    };
    secureDealer(socket, this.options.curve, {
      refused: (error) => warnOnce(error, 'mdp worker: the broker refused this worker\'s CURVE key: add curve.publicKey to the broker\'s curve.allow'),
      failed: (error) => warnOnce(error, 'mdp worker: CURVE handshake with the broker failed: check that curve.serverKey is the broker\'s public key and that the broker uses CURVE'),
      succeeded: () => (warned = false),
    });
    const out = new SendQueue(socket, logger);
    this.socket = socket;
    this.out = out;
    this.sessions += 1;
    socket.connect(broker);
    void out.send(encodeReadyV2(service));
    let liveUntil = Date.now() + heartbeatIntervalMs * heartbeatLiveness;
    const timer = setInterval(() => {
      if (Date.now() > liveUntil) {
        logger.warn({ broker, service }, 'mdp worker: broker silent, reconnecting');
        socket.close();
      } else {
        void out.send(encodeHeartbeatV2());
      }
    }, heartbeatIntervalMs);
    try {
      for await (const frames of socket) {
        let command;
        try {
          command = parseWorkerV2(frames);
        } catch (error) {
          logger.warn({ err: error }, 'mdp worker: invalid message from the broker dropped');
          continue;
        }
        liveUntil = Date.now() + heartbeatIntervalMs * heartbeatLiveness;
        if (command.type === 'disconnect') break;
        if (command.type === 'request') {
          const serving = this.serve(socket, out, command.client, command.body);
          this.inFlight = serving;
          void serving.finally(() => {
            if (this.inFlight === serving) this.inFlight = undefined;
          });
        }
      }
    } catch (error) {
      if (!socket.closed) logger.warn({ err: error }, 'mdp worker: receive failed, reconnecting');
    } finally {
      clearInterval(timer);
      this.abandonRequest('the broker withdrew the request (DISCONNECT: the client gave up on it, or the broker is closing) or was lost');
      if (!this.stop.signal.aborted && !socket.closed) socket.close();
    }
  }

  /** Aborts the signal of the request in flight, if any; its reply will be dropped. */
  private abandonRequest(why: string): void {
    const abandon = this.abandon;
    this.abandon = undefined;
    abandon?.abort(new ResoluteError('ABORTED', `mdp worker ${this.options.service}: ${why}: its reply can no longer be delivered`));
  }

  private async serve(socket: Dealer, out: SendQueue, client: Buffer, body: Buffer[]): Promise<void> {
    const abandon = new AbortController();
    this.abandon = abandon;
    const reply = createReplyStream((kind, frames) => {
      // A reply for a conversation that has ended is dropped: the broker has requeued, abandoned or cancelled that request.
      if (socket.closed || abandon.signal.aborted) return;
      if (kind === 'final' && this.abandon === abandon) this.abandon = undefined;
      void out.send(kind === 'partial' ? encodeWorkerPartialV2(client, frames) : encodeWorkerFinalV2(client, frames));
    }, abandon.signal);
    const handler = this.handler();
    try {
      if (!handler) throw new ResoluteError('NO_HANDLER', `Worker ${this.options.service}: no handler: call onRequest() before start()`);
      await handler({ service: this.options.service, body }, reply);
      if (!reply.finished) reply.reject(new ResoluteError('INTERNAL', `Worker ${this.options.service}: the handler returned without end() or reject()`, { retryable: false }));
    } catch (error) {
      if (!reply.finished) reply.reject(error);
      else this.options.logger.warn({ err: error }, 'mdp worker: handler threw after finishing its reply');
    }
    if (abandon.signal.aborted) this.abandoned += 1;
    else this.served += 1;
    if (this.abandon === abandon) this.abandon = undefined;
  }
}
