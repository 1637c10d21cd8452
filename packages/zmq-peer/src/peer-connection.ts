import { ResoluteError, type Logger } from '@resolute/core';
import { Dealer } from 'zeromq';
import { mapZmqError } from './map-zmq-error.js';
import { decodeFrames, encodeDeliver } from './protocol/frames.js';
import { commonSocketOptions } from './socket-options.js';
import type { PeerStats } from './peer-stats.js';
import type { ZmqPeerOptions } from './zmq-peer-options.js';

interface PendingBatch {
  settle: (error: ResoluteError | undefined) => void;
}

/**
 * This peer's DEALER to one remote peer's ROUTER. Sends DELIVER batches and matches ACK/NACK replies to them.
 *
 * `immediate` is on, so a send waits for a completed connection instead of queueing for a peer that may never come
 * (and fails after sendTimeoutMs, to be retried by the outbox). zeromq.js allows one blocking send at a time per
 * socket, so sends are chained; each batch then waits for its reply up to ackTimeoutMs.
 */
export class PeerConnection {
  private readonly dealer: Dealer;
  private readonly pending = new Map<number, PendingBatch>();
  private nextBatchId = 1;
  private writing: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly reading: Promise<void>;
  /** The last CURVE handshake failure with this peer, so a send that then fails can say why. */
  private handshakeError: string | undefined;

  constructor(
    readonly address: string,
    private readonly options: ZmqPeerOptions,
    private readonly stats: PeerStats,
    private readonly logger: Logger,
  ) {
    this.dealer = new Dealer({ ...commonSocketOptions(options), immediate: true, sendTimeout: options.sendTimeoutMs });
    const curve = options.curve;
    if (curve !== undefined) {
      this.dealer.curvePublicKey = curve.publicKey;
      this.dealer.curveSecretKey = curve.secretKey;
      this.dealer.curveServerKey = curve.peers?.[address] ?? curve.serverKey ?? null;
    }
    this.dealer.events.on('handshake:error:auth', (event) => (this.handshakeError = `the peer refused our key (${event.error.message})`));
    this.dealer.events.on('handshake:error:protocol', (event) => (this.handshakeError = `security handshake failed (${event.error.message})`));
    this.dealer.events.on('handshake', () => (this.handshakeError = undefined));
    this.dealer.connect(address);
    this.reading = this.readReplies();
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** Resolves with undefined once the peer acknowledged the whole batch, or with the reason it did not. Never rejects. */
  deliver(messages: readonly Buffer[], signal?: AbortSignal): Promise<ResoluteError | undefined> {
    if (this.closed) return Promise.resolve(new ResoluteError('CONNECTION_LOST', 'transport closed'));
    if (this.pending.size >= this.options.maxInFlightBatches) {
      return Promise.resolve(new ResoluteError('BACKPRESSURE', `${this.pending.size} batches already in flight to ${this.address}: will retry`));
    }
    if (signal?.aborted) return Promise.resolve(new ResoluteError('ABORTED', 'send aborted'));
    const batchId = this.takeBatchId();
    // Built before the batch counts as pending: packing copies the messages, and must not throw with a batch id taken.
    let frames: Buffer[];
    try {
      frames = encodeDeliver(batchId, messages);
    } catch (error) {
      return Promise.resolve(new ResoluteError('INTERNAL', `cannot pack a batch for ${this.address}`, { cause: error, retryable: true }));
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.stats.ackTimeouts++;
        settle(new ResoluteError('TIMEOUT', `no acknowledgement from ${this.address} within ${this.options.ackTimeoutMs} ms: will retry`));
      }, this.options.ackTimeoutMs);
      const onAbort = (): void => settle(new ResoluteError('ABORTED', 'send aborted'));
      const settle = (error: ResoluteError | undefined): void => {
        if (!this.pending.delete(batchId)) return;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(batchId, { settle });
      this.writing = this.writing.then(async () => {
        if (!this.pending.has(batchId)) return; // aborted or timed out while waiting for its turn
        try {
          await this.dealer.send(frames);
          this.stats.batchesSent++;
        } catch (error) {
          const mapped = mapZmqError(error, `sending to ${this.address}`);
          settle(this.handshakeError === undefined ? mapped : new ResoluteError('AUTH_FAILED', `${this.address}: ${this.handshakeError}: check curve.publicKey/secretKey here and curve.allowClients/serverKey there`, { cause: mapped, retryable: true }));
        }
      });
    });
  }

  /** Settles what is in flight as CONNECTION_LOST and closes the socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const batch of [...this.pending.values()]) batch.settle(new ResoluteError('CONNECTION_LOST', 'transport closed before the peer acknowledged'));
    this.dealer.close();
    await this.reading;
  }

  private takeBatchId(): number {
    let id = this.nextBatchId;
    while (this.pending.has(id)) id = (id % 0xffffffff) + 1;
    this.nextBatchId = (id % 0xffffffff) + 1;
    return id;
  }

  private async readReplies(): Promise<void> {
    try {
      for await (const frames of this.dealer) {
        let frame;
        try {
          frame = decodeFrames(frames);
        } catch (error) {
          this.stats.malformed++;
          this.logger.warn({ err: error, peer: this.address }, 'malformed reply from peer: ignored');
          continue;
        }
        if (frame.type === 'deliver') {
          this.stats.malformed++;
          continue;
        }
        const batch = this.pending.get(frame.batchId);
        if (batch === undefined) continue; // a reply after its timeout: the batch was already counted as failed
        batch.settle(frame.type === 'ack' ? undefined : new ResoluteError('UNREACHABLE', `${this.address} could not store the batch: ${frame.reason}`));
      }
    } catch (error) {
      if (!this.closed) this.logger.error({ err: error, peer: this.address }, 'peer connection reader stopped');
    }
  }
}
