import {
  isResoluteError,
  ResoluteError,
  type Logger,
  type OutgoingMessage,
  type SendOutcome,
  type Transport,
  type TransportCapabilities,
  type TransportStartContext,
} from '@resolute/core';
import { setTimeout as delay } from 'node:timers/promises';
import { Client } from '../client/client.js';
import { MMI_SERVICE } from '../protocol/mmi.js';
import type { IncomingRequest, ReplyStream } from '../worker/reply-stream.js';
import { Worker } from '../worker/worker.js';
import { encodeAck, encodeBatch, isAck, parseBatch, serviceNameProblem } from './batch-frames.js';
import { resolveMdpTransportOptions, type MdpTransportOptions, type ResolvedMdpTransportOptions } from './mdp-transport-options.js';

export interface MdpTransportStats {
  /** Batches sent as MDP requests, acknowledged by the receiving bus, and failed (timeout, refusal, abort, close). */
  batchesSent: number;
  batchesAcked: number;
  batchesFailed: number;
  /** Batches this endpoint stored and acknowledged, and refused (its bus could not store them, or it was closing). */
  batchesReceived: number;
  batchesRefused: number;
}

/**
 * The bus over a Majordomo broker. Each endpoint is an MDP service named after it, served by a Worker inside the
 * transport; `send` to an endpoint is an MDP request to that service, and its FINAL reply is the receiving bus's
 * acknowledgement, sent only after `context.receive` resolved (the batch is in that bus's inbox). Anything else (no
 * worker within ackTimeoutMs, a refusal, an abort, close) is a retryable failed outcome the outbox sends again.
 *
 * Publisher-routed: MDP has no topics, so the publishing bus fans events out to its subscribers' endpoints itself.
 * Not ordered: batches in flight travel on separate client sockets and are stored by `concurrency` worker
 * connections at once. Not durable: the broker keeps a request for a receiver that is down in memory only, until it
 * expires; the sender's outbox is what keeps the message.
 */
export class MdpTransport implements Transport {
  readonly type = 'mdp-broker';
  readonly capabilities: TransportCapabilities;
  readonly options: ResolvedMdpTransportOptions;
  private readonly counters: MdpTransportStats = { batchesSent: 0, batchesAcked: 0, batchesFailed: 0, batchesReceived: 0, batchesRefused: 0 };
  private state: 'new' | 'starting' | 'started' | 'closed' = 'new';
  private service: string | undefined;
  private worker: Worker | undefined;
  private client: Client | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: MdpTransportOptions) {
    this.options = resolveMdpTransportOptions(options);
    this.capabilities = { routing: 'publisher', durable: false, ordered: false, requestReply: true, maxBatch: this.options.maxBatch };
  }

  get address(): string {
    if (this.service === undefined || this.state === 'starting') throw new ResoluteError('NOT_STARTED', 'mdp-broker transport not started: call start() first');
    return this.service;
  }

  /** Registers the endpoint's service and resolves once the broker confirms it (mmi.service answers 200). */
  async start(context: TransportStartContext): Promise<void> {
    if (this.state !== 'new') throw new ResoluteError('BUS_CLOSED', 'an mdp-broker transport starts once: create a new one', { retryable: false });
    const service = this.options.service ?? context.endpoint;
    const problem = serviceNameProblem(service);
    if (problem !== undefined) {
      throw new ResoluteError('INVALID_CONFIG', `mdp-broker: the endpoint name ${JSON.stringify(service)} cannot be an MDP service (${problem}): rename the bus or set transport.service`, {
        retryable: false,
        details: { field: 'service' },
      });
    }
    this.state = 'starting';
    this.service = service;
    const logger = this.options.logger ?? context.logger;
    const { broker, ackTimeoutMs, concurrency, heartbeatIntervalMs, heartbeatLiveness, reconnectDelayMs, drainTimeoutMs, curve } = this.options;
    this.client = new Client({ brokers: [broker], timeoutMs: ackTimeoutMs, curve, logger });
    this.worker = new Worker({ broker, service, concurrency, heartbeatIntervalMs, heartbeatLiveness, reconnectDelayMs, drainTimeoutMs, curve, logger })
      .onRequest((request, reply) => this.receive(context, request, reply))
      .start();
    try {
      await this.confirmRegistered(this.client, service, logger);
    } catch (error) {
      await this.close();
      throw error;
    }
    if (this.state === 'starting') this.state = 'started';
  }

  /** Sends each destination's messages as MDP requests of at most maxBatch; one outcome per message, in order. */
  async send(batch: readonly OutgoingMessage[], options: { signal?: AbortSignal } = {}): Promise<SendOutcome[]> {
    const outcomes = new Array<SendOutcome>(batch.length);
    const byAddress = new Map<string, number[]>();
    batch.forEach((message, index) => {
      const refused = this.refuse(message);
      if (refused !== undefined) {
        outcomes[index] = { ok: false, error: refused };
        return;
      }
      const address = (message.destination as { address: string }).address;
      let indexes = byAddress.get(address);
      if (indexes === undefined) byAddress.set(address, (indexes = []));
      indexes.push(index);
    });
    const requests: Promise<void>[] = [];
    for (const [address, indexes] of byAddress) {
      for (let from = 0; from < indexes.length; from += this.options.maxBatch) {
        const chunk = indexes.slice(from, from + this.options.maxBatch);
        requests.push(
          this.deliver(address, chunk.map((i) => (batch[i] as OutgoingMessage).bytes), options.signal).then((error) => {
            for (const i of chunk) outcomes[i] = error === undefined ? { ok: true } : { ok: false, error };
          }),
        );
      }
    }
    await Promise.all(requests);
    return outcomes;
  }

  stats(): Readonly<MdpTransportStats> {
    return { ...this.counters };
  }

  /**
   * Refuses new batches, waits (up to drainTimeoutMs) for batches being stored so their acknowledgements go out,
   * unregisters the service, then fails unacknowledged sends with CONNECTION_LOST. Safe to call twice.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async shutdown(): Promise<void> {
    this.state = 'closed';
    await this.worker?.close();
    await this.client?.close();
  }

  /** Polls 8/MMI until the broker knows this endpoint's service, or startTimeoutMs passed (UNREACHABLE); AUTH_FAILED at once if the broker refused our CURVE key. */
  private async confirmRegistered(client: Client, service: string, logger: Logger): Promise<void> {
    const deadline = Date.now() + this.options.startTimeoutMs;
    while (this.state === 'starting') {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const answer = await client.requestFinal(MMI_SERVICE, service, { timeoutMs: Math.min(left, 1_000) }).catch((error: unknown) => {
        // A broker that refused our CURVE key will not change its mind while we wait.
        if (isResoluteError(error, 'AUTH_FAILED')) throw error;
        logger.debug({ err: error, service }, 'mdp-broker transport: broker not answering yet');
        return undefined;
      });
      if (answer?.[0]?.toString() === '200') return;
      await delay(Math.min(50, Math.max(0, deadline - Date.now())));
    }
    if (this.state !== 'starting') throw new ResoluteError('BUS_CLOSED', 'mdp-broker transport closed while starting', { retryable: false });
    throw new ResoluteError('UNREACHABLE', `mdp-broker: the broker at ${this.options.broker} did not confirm service ${service} within ${this.options.startTimeoutMs} ms: is the broker running?`);
  }

  /** Why a message cannot be sent at all (a failed outcome), or undefined. */
  private refuse(message: OutgoingMessage): ResoluteError | undefined {
    if (this.state !== 'started') return new ResoluteError('CONNECTION_LOST', 'mdp-broker transport is not running: start it (or create a new one after close)');
    if (message.destination.type !== 'endpoint') {
      return new ResoluteError('UNSUPPORTED', 'mdp-broker is publisher-routed: the bus sends events to each subscriber endpoint, not to a topic', { retryable: false });
    }
    const problem = serviceNameProblem(message.destination.address);
    if (problem !== undefined) {
      return new ResoluteError('INVALID_ARGUMENT', `mdp-broker: ${JSON.stringify(message.destination.address)} cannot be an MDP service name (${problem})`, { retryable: false });
    }
    return undefined;
  }

  /** One MDP request; resolves with undefined once acknowledged, or with the (retryable) error of the failed outcome. */
  private async deliver(address: string, messages: Buffer[], signal: AbortSignal | undefined): Promise<ResoluteError | undefined> {
    this.counters.batchesSent += 1;
    const client = this.client as Client;
    try {
      const body = await client.requestFinal(address, encodeBatch(messages), { signal });
      if (isAck(body, messages.length)) {
        this.counters.batchesAcked += 1;
        return undefined;
      }
      throw new ResoluteError('PROTOCOL_ERROR', `mdp-broker: service ${address} answered without a Resolute acknowledgement: is another program serving that name?`);
    } catch (error) {
      this.counters.batchesFailed += 1;
      return this.failure(address, error);
    }
  }

  /** Every failure is retryable: the message stays in the outbox, and the receiver's dedupe absorbs a duplicate. */
  private failure(address: string, error: unknown): ResoluteError {
    if (this.state === 'closed') return new ResoluteError('CONNECTION_LOST', `mdp-broker transport closed before ${address} acknowledged`, { cause: error });
    if (!isResoluteError(error)) return new ResoluteError('CONNECTION_LOST', `mdp-broker: sending to ${address} failed`, { cause: error });
    if (error.code === 'REMOTE_ERROR') {
      return new ResoluteError('REMOTE_ERROR', `mdp-broker: ${address} did not store the batch (${error.message}): it will be sent again`, { cause: error, details: error.details });
    }
    // ABORTED too: the relay aborts when its bus closes, and the message must stay in the outbox, not go to dead letters.
    return error.retryable ? error : new ResoluteError(error.code, error.message, { cause: error, retryable: true, details: error.details });
  }

  /** The endpoint's worker: stores the batch through the bus, then acknowledges it. */
  private async receive(context: TransportStartContext, request: IncomingRequest, reply: ReplyStream): Promise<void> {
    if (this.state === 'closed') {
      this.counters.batchesRefused += 1;
      throw new ResoluteError('CONNECTION_LOST', `mdp-broker: endpoint ${this.service ?? ''} is closing: send again later`);
    }
    try {
      const messages = parseBatch(request.body);
      await context.receive(messages.map((bytes) => ({ bytes })));
      this.counters.batchesReceived += 1;
      reply.end(encodeAck(messages.length));
    } catch (error) {
      this.counters.batchesRefused += 1;
      throw error;
    }
  }
}
