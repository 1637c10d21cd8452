import type { IncomingMessage, Logger, Receiver } from '@resolute/core';
import { Router } from 'zeromq';
import { mapZmqError } from './map-zmq-error.js';
import { decodeFrames, encodeAck, encodeNack } from './protocol/frames.js';
import type { PeerStats } from './peer-stats.js';
import { commonSocketOptions } from './socket-options.js';
import type { ZmqPeerOptions } from './zmq-peer-options.js';

const LOG_EVERY = 1000;

/**
 * This peer's ROUTER: receives DELIVER batches from any number of peers, hands each to the bus's Receiver (which
 * stores it in the inbox) and answers ACK once it is stored, NACK if it could not be. Several batches are stored at
 * once (up to maxConcurrentReceives) so the store can commit them together; past that, reading pauses and TCP
 * pushes back on the senders.
 *
 * ROUTER_MANDATORY is on: a reply to a peer that has gone away fails loudly (counted as unroutable) instead of
 * vanishing; that peer sends the batch again and the inbox drops the duplicate.
 */
export class RouterListener {
  private readonly router: Router;
  private readonly active = new Set<Promise<void>>();
  private writing: Promise<unknown> = Promise.resolve();
  private reading: Promise<void> = Promise.resolve();
  private closing = false;

  constructor(
    private readonly options: ZmqPeerOptions,
    private readonly stats: PeerStats,
    private readonly logger: Logger,
    zapDomain: string | undefined,
  ) {
    this.router = new Router({ ...commonSocketOptions(options), mandatory: true, sendTimeout: options.sendTimeoutMs });
    const curve = options.curve;
    if (curve !== undefined) {
      this.router.curveServer = true;
      this.router.curveSecretKey = curve.secretKey;
      this.router.curvePublicKey = curve.publicKey;
    }
    if (zapDomain !== undefined) this.router.zapDomain = zapDomain;
  }

  /** Binds and starts reading; resolves with the endpoint actually bound (port 0 resolved). */
  async listen(receive: Receiver): Promise<string> {
    try {
      await this.router.bind(this.options.bind);
    } catch (error) {
      this.router.close();
      throw mapZmqError(error, `binding ${this.options.bind}`);
    }
    this.reading = this.read(receive);
    return this.router.lastEndpoint ?? this.options.bind;
  }

  /** Stops answering new batches, waits for the ones being stored and their replies, then closes the socket. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await Promise.allSettled([...this.active]);
    await this.writing;
    this.router.close();
    await this.reading;
  }

  private async read(receive: Receiver): Promise<void> {
    try {
      for await (const [routingId, ...frames] of this.router) {
        // Closing: leave new batches unanswered; their senders keep them and send again after our restart.
        if (this.closing || routingId === undefined) continue;
        let frame;
        try {
          frame = decodeFrames(frames);
        } catch (error) {
          this.malformed(error);
          continue;
        }
        if (frame.type !== 'deliver') {
          this.malformed(new Error(`${frame.type} sent to a ROUTER`));
          continue;
        }
        const work = this.store(receive, routingId, frame.batchId, frame.messages);
        this.active.add(work);
        void work.finally(() => this.active.delete(work));
        if (this.active.size >= this.options.maxConcurrentReceives) await Promise.race(this.active);
      }
    } catch (error) {
      if (!this.closing) this.logger.error({ err: error }, 'zmq-peer ROUTER reader stopped');
    }
  }

  private async store(receive: Receiver, routingId: Buffer, batchId: number, messages: Buffer[]): Promise<void> {
    let reply: Buffer[];
    try {
      await receive(messages.map((bytes): IncomingMessage => ({ bytes })));
      this.stats.batchesReceived++;
      reply = encodeAck(batchId);
    } catch (error) {
      this.stats.batchesRefused++;
      this.logger.warn({ err: error, batchId }, 'could not store a received batch: NACK (the sender retries)');
      reply = encodeNack(batchId, error instanceof Error ? error.message : String(error));
    }
    this.writing = this.writing.then(() =>
      this.router.send([routingId, ...reply]).catch((error: unknown) => {
        this.stats.unroutable++;
        this.logger.debug({ err: mapZmqError(error, 'replying to a peer') }, 'reply not routable: the peer will resend');
      }),
    );
    await this.writing;
  }

  private malformed(error: unknown): void {
    this.stats.malformed++;
    // A flood of garbage must not flood the log: the first one, then every LOG_EVERY-th.
    if (this.stats.malformed === 1 || this.stats.malformed % LOG_EVERY === 0) {
      this.logger.warn({ err: error, malformed: this.stats.malformed }, 'malformed frames on the zmq-peer ROUTER: dropped');
    }
  }
}
