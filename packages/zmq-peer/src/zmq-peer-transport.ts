import {
  ResoluteError,
  silentLogger,
  type Logger,
  type OutgoingMessage,
  type SendOutcome,
  type Transport,
  type TransportCapabilities,
  type TransportStartContext,
} from '@resolute/core';
import { PeerConnection } from './peer-connection.js';
import { packedSize } from './protocol/frames.js';
import { splitBatch, tooLarge } from './split-batch.js';
import { newPeerStats, type PeerStats } from './peer-stats.js';
import { RouterListener } from './router-listener.js';
import { registerAllowList, type ZapRegistration } from './zap-authenticator.js';
import { parseZmqPeerOptions, type ZmqPeerOptions, type ZmqPeerOptionsInput } from './zmq-peer-options.js';

const WILDCARD = /^tcp:\/\/(\*|0\.0\.0\.0|\[::\])(:|$)/;

/**
 * Brokerless transport: each bus binds a ROUTER and reaches every other peer through a DEALER of its own. A batch
 * counts as delivered only when the receiving peer has stored it in its inbox and said so (ACK); everything else —
 * no connection, a full queue, no reply in time, a NACK — is a failed outcome the outbox retries. Publisher-routed:
 * the publishing bus fans events out to the subscribers it keeps.
 */
export class ZmqPeerTransport implements Transport {
  readonly type = 'zmq-peer';
  readonly capabilities: TransportCapabilities;
  private readonly options: ZmqPeerOptions;
  private readonly logger: Logger;
  private readonly counters: PeerStats = newPeerStats();
  private readonly peers = new Map<string, PeerConnection>();
  private listener: RouterListener | undefined;
  private zap: ZapRegistration | undefined;
  private boundAddress: string | undefined;
  private state: 'new' | 'started' | 'closed' = 'new';

  constructor(options: ZmqPeerOptionsInput) {
    const { logger, ...rest } = options ?? ({} as ZmqPeerOptionsInput);
    this.options = parseZmqPeerOptions(rest);
    this.logger = logger ?? silentLogger;
    if (this.options.address === undefined && WILDCARD.test(this.options.bind)) {
      throw new ResoluteError('INVALID_CONFIG', `zmq-peer: bind ${this.options.bind} listens on every interface: set \`address\` to the endpoint peers should dial`, { retryable: false });
    }
    this.capabilities = { routing: 'publisher', durable: false, ordered: true, requestReply: true, maxBatch: this.options.maxBatch };
  }

  get address(): string {
    if (this.boundAddress === undefined) throw new ResoluteError('NOT_STARTED', 'zmq-peer transport not started: call start() first');
    return this.boundAddress;
  }

  async start(context: TransportStartContext): Promise<void> {
    if (this.state !== 'new') throw new ResoluteError('BUS_CLOSED', 'a zmq-peer transport starts once: create a new one');
    const logger = this.logger === silentLogger ? context.logger : this.logger;
    const allow = this.options.curve?.allowClients;
    if (allow !== undefined) this.zap = await registerAllowList(allow, logger, () => void this.counters.deniedClients++);
    this.listener = new RouterListener(this.options, this.counters, logger, this.zap?.domain);
    try {
      const bound = await this.listener.listen(context.receive);
      this.boundAddress = this.options.address ?? bound;
    } catch (error) {
      await this.zap?.release();
      throw error;
    }
    this.state = 'started';
  }

  async send(batch: readonly OutgoingMessage[], options: { signal?: AbortSignal } = {}): Promise<SendOutcome[]> {
    const outcomes = new Array<SendOutcome>(batch.length);
    const byAddress = new Map<string, number[]>();
    batch.forEach((message, index) => {
      if (message.destination.type !== 'endpoint') {
        outcomes[index] = { ok: false, error: new ResoluteError('UNSUPPORTED', 'zmq-peer is publisher-routed: send to endpoints, not topics', { retryable: false }) };
        return;
      }
      if (packedSize(message.bytes) > this.options.maxMessageBytes) {
        outcomes[index] = { ok: false, error: tooLarge(message.bytes.length, this.options.maxMessageBytes) };
        return;
      }
      let list = byAddress.get(message.destination.address);
      if (list === undefined) byAddress.set(message.destination.address, (list = []));
      list.push(index);
    });
    await Promise.all(
      [...byAddress].map(async ([address, indexes]) => {
        if (this.state !== 'started') {
          const error = new ResoluteError('CONNECTION_LOST', 'zmq-peer transport is not running');
          for (const i of indexes) outcomes[i] = { ok: false, error };
          return;
        }
        // One outcome per DELIVER: a batch cut in several succeeds where its parts were acknowledged, so a part that
        // keeps failing (say, past the in-flight window) never holds back the ones that got through.
        const chunks = splitBatch(indexes, (i) => batch[i]!.bytes, this.options.maxBatch, this.options.maxMessageBytes);
        const errors = await Promise.all(chunks.map((chunk) => this.deliverTo(address, chunk.map((i) => batch[i]!.bytes), options.signal)));
        chunks.forEach((chunk, c) => {
          const error = errors[c];
          for (const i of chunk) outcomes[i] = error === undefined ? { ok: true } : { ok: false, error };
        });
      }),
    );
    return outcomes;
  }

  /** Counters since start: batches sent/received/refused, malformed frames, unroutable replies, ack timeouts. */
  stats(): Readonly<PeerStats> {
    return { ...this.counters };
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasStarted = this.state === 'started';
    this.state = 'closed';
    if (!wasStarted) return;
    await this.listener?.close();
    await Promise.all([...this.peers.values()].map((peer) => peer.close()));
    this.peers.clear();
    await this.zap?.release();
  }

  private deliverTo(address: string, messages: Buffer[], signal: AbortSignal | undefined): Promise<ResoluteError | undefined> {
    let peer = this.peers.get(address);
    if (peer === undefined) this.peers.set(address, (peer = new PeerConnection(address, this.options, this.counters, this.logger)));
    return peer.deliver(messages, signal);
  }
}
