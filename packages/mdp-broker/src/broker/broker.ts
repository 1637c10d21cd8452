import { isResoluteError, ResoluteError } from '@resolute/core';
import { Router } from 'zeromq';
import { mapZmqError } from '../map-zmq-error.js';
import { encodeClientV1, encodeDisconnectV1, encodeHeartbeatV1, encodeWorkerRequestV1, MDPC01, MDPW01, parseClientV1, parseWorkerV1 } from '../protocol/mdp-v1.js';
import {
  encodeClientFinalV2,
  encodeClientPartialV2,
  encodeDisconnectV2,
  encodeHeartbeatV2,
  encodeWorkerRequestV2,
  MDPC02,
  MDPW02,
  parseClientV2,
  parseWorkerV2,
} from '../protocol/mdp-v2.js';
import { protocolError } from '../protocol/malformed.js';
import { isMmi, MMI_ALIVE, MMI_CANCEL, mmiReply } from '../protocol/mmi.js';
import { SendQueue } from '../send-queue.js';
import { BrokerCurve } from './broker-curve.js';
import { resolveBrokerOptions, type BrokerOptions, type ResolvedBrokerOptions } from './broker-options.js';
import { newCounters, type BrokerCounters, type BrokerStats } from './broker-stats.js';
import { CancelledIds } from './cancelled-ids.js';
import { ServiceTable, type PendingRequest, type Version, type WorkerRecord } from './service-table.js';

/** Waits for `promise`, but no longer than `ms`. */
function withDeadline(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** A worker command in either version, reduced to what the broker acts on. */
type WorkerCommand =
  | { type: 'ready'; service: string }
  | { type: 'request' | 'partial' | 'final'; client: Buffer; body: Buffer[] }
  | { type: 'heartbeat' | 'disconnect' };

/**
 * A Majordomo broker: one ROUTER socket that serves 18/MDP (v0.2) and 7/MDP (v0.1) clients and workers at once, and
 * answers 8/MMI itself (with mmi.resolute.cancel, a Resolute extension: see protocol/mmi.ts). Requests go to the
 * least-recently-used idle worker of their service; with none, they wait up to requestExpiryMs. A worker lost
 * mid-request (heartbeat liveness) has its request sent to another worker unless a PARTIAL was already relayed or
 * maxAttempts is used up; then the client's own timeout reports it. A request its client cancelled is dropped from
 * its queue, or its worker is sent DISCONNECT, and it is not sent again; so is one whose client sent
 * mmi.resolute.alive and then fell silent (a dead client process).
 * v0.1 clients get only the FINAL reply (v0.1 has no PARTIAL); v0.1 workers' REPLY counts as FINAL.
 */
export class Broker {
  private readonly options: ResolvedBrokerOptions;
  private readonly socket: Router;
  private readonly out: SendQueue;
  private readonly table = new ServiceTable();
  private readonly counters: BrokerCounters = newCounters();
  /** Set with the curve option: the CURVE server settings and the ZAP handler (see broker-curve.ts). */
  private readonly curve: BrokerCurve | undefined;
  private readonly cancelledIds: CancelledIds;
  /** Requests whose client sent mmi.resolute.alive, by client socket (hex): checked for silence on each tick. */
  private readonly alive = new Map<string, PendingRequest>();
  private timer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private endpointBound: string | undefined;

  constructor(options: BrokerOptions) {
    this.options = resolveBrokerOptions(options);
    const { curve, logger } = this.options;
    this.curve = curve === undefined ? undefined : new BrokerCurve(curve, this.counters, logger);
    this.socket = new Router({ linger: 0, ...(this.curve && { context: this.curve.context }) });
    this.curve?.secure(this.socket);
    this.out = new SendQueue(this.socket, logger);
    this.cancelledIds = new CancelledIds(this.options.requestExpiryMs);
  }

  /** The endpoint actually bound (with the real port when bind used port 0); set once start() resolved. */
  get endpoint(): string {
    if (!this.endpointBound) throw new ResoluteError('NOT_STARTED', 'Broker.endpoint: call start() first');
    return this.endpointBound;
  }

  /** Binds the ROUTER and starts serving; resolves once bound. Rejects with INVALID_CONFIG for a bad or busy address. */
  async start(): Promise<this> {
    try {
      // The ZAP handler must be up before the CURVE server binds, or early peers would be let in unchecked.
      await this.curve?.start();
      await this.socket.bind(this.options.bind);
    } catch (error) {
      this.socket.close();
      await this.curve?.close();
      throw mapZmqError(error, `Broker: bind ${this.options.bind}`);
    }
    this.endpointBound = this.socket.lastEndpoint ?? this.options.bind;
    this.timer = setInterval(() => this.tick(), this.options.heartbeatIntervalMs);
    this.timer.unref();
    this.loop = this.receive();
    return this;
  }

  stats(): BrokerStats {
    return { ...this.counters, workers: this.table.workers.size, busyWorkers: this.table.busyWorkers(), queuedRequests: this.table.queuedRequests() };
  }

  /**
   * Stops taking requests, waits up to drainTimeoutMs for requests in progress at workers, sends DISCONNECT to every
   * worker (they reconnect elsewhere or later), then closes the socket. Safe to call twice.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown().finally(() => this.curve?.close());
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async shutdown(): Promise<void> {
    const deadline = Date.now() + this.options.drainTimeoutMs;
    while (this.loop && this.table.busyWorkers() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    clearInterval(this.timer);
    for (const worker of [...this.table.workers.values()]) this.disconnect(worker);
    // Bounded: a send that never settles (a socket already gone) must not keep close() from finishing.
    await withDeadline(this.out.idle(), this.options.heartbeatIntervalMs);
    // Unbind first: close() alone frees the port later, and a broker restarted on the same address would not bind.
    // unbindSync, never unbind(): unbind() runs zmq_unbind on libuv's thread pool while our receive (always pending)
    // keeps using the same libzmq socket on this thread whenever its FD turns readable. libzmq sockets are not
    // thread-safe: two threads processing the socket's commands at once aborted the process under load (pipe.cpp
    // assertions, heap corruption; see the README, "Closing a broker"). zmq_unbind does not block: it only asks the
    // I/O thread to close the listener.
    if (this.endpointBound && !this.socket.closed) {
      try {
        this.socket.unbindSync(this.endpointBound);
      } catch (error) {
        this.options.logger.debug({ err: error }, 'mdp broker: unbind failed; close() frees the address later');
      }
    }
    if (!this.socket.closed) this.socket.close();
    await this.loop;
  }

  private async receive(): Promise<void> {
    try {
      for await (const [identity, ...frames] of this.socket) {
        if (identity) this.onMessage(identity, frames);
      }
    } catch (error) {
      if (!this.socket.closed) this.options.logger.error({ err: error }, 'mdp broker: receive failed');
    }
  }

  private onMessage(identity: Buffer, frames: Buffer[]): void {
    const [first, second] = frames;
    try {
      if (first?.equals(MDPC02)) return this.onClient(identity, 2, frames);
      if (first?.equals(MDPW02)) return this.onWorker(identity, 2, frames);
      if (first?.length === 0 && second?.equals(MDPC01)) return this.onClient(identity, 1, frames);
      if (first?.length === 0 && second?.equals(MDPW01)) return this.onWorker(identity, 1, frames);
      this.counters.invalidMessages += 1;
    } catch (error) {
      if (!isResoluteError(error)) throw error;
      this.options.logger.debug({ err: error, peer: identity.toString('hex') }, 'mdp broker: message dropped');
      const worker = this.table.workers.get(identity.toString('hex'));
      if (isResoluteError(error, 'PROTOCOL_ERROR')) this.counters.protocolErrors += 1;
      else this.counters.invalidMessages += 1;
      // 18/MDP: an invalid or unexpected command makes the worker an invalid peer; it gets DISCONNECT.
      if (worker) this.disconnect(worker);
      else if (first?.equals(MDPW02) || second?.equals(MDPW01)) this.send(identity, first?.equals(MDPW02) ? encodeDisconnectV2() : encodeDisconnectV1());
    }
  }

  private onClient(client: Buffer, version: Version, frames: Buffer[]): void {
    let service: string;
    let body: Buffer[];
    if (version === 2) {
      const parsed = parseClientV2(frames);
      if (parsed.type !== 'request') throw protocolError('MDPC02', `a client may only send REQUEST, not ${parsed.type.toUpperCase()}`);
      ({ service, body } = parsed);
    } else {
      ({ service, body } = parseClientV1(frames));
    }
    if (this.closing) return;
    if (service === MMI_ALIVE) {
      // Not counted as a request: it is a heartbeat, sent every interval while a long request is outstanding.
      const status = [Buffer.from(this.keepAlive(body))];
      this.send(client, version === 2 ? encodeClientFinalV2(service, status) : encodeClientV1(service, status));
      return;
    }
    this.counters.requests += 1;
    const request: PendingRequest = { client, clientVersion: version, service, body, queuedAt: Date.now(), attempts: 0, relayedPartial: false };
    if (service === MMI_CANCEL) {
      this.replyFinal(request, [Buffer.from(this.cancel(body))]);
      return;
    }
    if (this.cancelledIds.take(client)) {
      this.counters.requestsCancelled += 1;
      return;
    }
    if (isMmi(service)) {
      this.replyFinal(request, mmiReply(service, body, (name) => this.table.hasWorkers(name)));
      return;
    }
    this.table.enqueue(request);
    this.dispatch(service);
  }

  private onWorker(identity: Buffer, version: Version, frames: Buffer[]): void {
    const parsed = version === 2 ? parseWorkerV2(frames) : parseWorkerV1(frames);
    const command: WorkerCommand =
      'client' in parsed ? { type: parsed.type === 'reply' ? 'final' : parsed.type, client: parsed.client, body: parsed.body } : parsed;
    const key = identity.toString('hex');
    const worker = this.table.workers.get(key);
    const protocol = version === 2 ? 'MDPW02' : 'MDPW01';
    if (command.type === 'disconnect') {
      if (worker) this.dropWorker(worker);
      return;
    }
    if (!worker) {
      if (command.type !== 'ready') throw protocolError(protocol, `${command.type.toUpperCase()} before READY`);
      if (isMmi(command.service)) throw protocolError(protocol, 'the mmi.* services belong to the broker');
      if (this.closing) throw protocolError(protocol, 'the broker is closing');
      this.table.addWorker({ key, identity, version, service: command.service, expiresAt: this.expiry(), current: undefined });
      this.dispatch(command.service);
      return;
    }
    if (worker.version !== version) throw protocolError(protocol, 'a worker may not change protocol version');
    worker.expiresAt = this.expiry();
    switch (command.type) {
      case 'heartbeat':
        return;
      case 'ready':
        throw protocolError(protocol, 'a worker may send READY only once');
      case 'request':
        throw protocolError(protocol, 'a worker may not send REQUEST');
      case 'partial':
      case 'final': {
        const request = worker.current;
        if (!request || !request.client.equals(command.client)) throw protocolError(protocol, `${command.type.toUpperCase()} for a request this worker does not hold`);
        if (command.type === 'partial') {
          if (request.clientVersion === 2) {
            request.relayedPartial = true;
            this.counters.partials += 1;
            this.send(request.client, encodeClientPartialV2(request.service, command.body));
          }
          return;
        }
        this.replyFinal(request, command.body);
        this.table.release(worker);
        this.dispatch(worker.service);
      }
    }
  }

  /** mmi.resolute.cancel (see protocol/mmi.ts): the status to answer. */
  private cancel(body: Buffer[]): '200' | '400' | '404' {
    const client = body[0];
    if (body.length !== 1 || client === undefined || client.length === 0) return '400';
    const found = this.table.cancel(client);
    if (found === undefined) {
      this.cancelledIds.add(client);
      return '404';
    }
    this.counters.requestsCancelled += 1;
    // 18/MDP cannot withdraw a request from a worker except by DISCONNECT; the worker reconnects on a new socket.
    if (found.worker) this.disconnect(found.worker);
    return '200';
  }

  /** mmi.resolute.alive (see protocol/mmi.ts): the status to answer. */
  private keepAlive(body: Buffer[]): '200' | '400' | '404' {
    const [client, interval] = body;
    const intervalMs = Number(interval?.toString('latin1'));
    if (body.length !== 2 || client === undefined || client.length === 0 || !Number.isInteger(intervalMs) || intervalMs <= 0) return '400';
    const request = this.table.find(client);
    if (request === undefined) return '404';
    request.aliveUntil = Date.now() + intervalMs * this.options.heartbeatLiveness;
    this.alive.set(client.toString('hex'), request);
    return '200';
  }

  /** Withdraws requests whose client stopped sending mmi.resolute.alive, as a cancel would. */
  private expireClients(now: number): void {
    for (const [key, request] of this.alive) {
      if ((request.aliveUntil ?? 0) >= now) continue;
      this.alive.delete(key);
      const found = this.table.withdraw(request);
      if (found === undefined) continue; // finished already
      this.counters.clientsExpired += 1;
      this.options.logger.debug({ client: key, service: request.service }, 'mdp broker: client silent, request withdrawn');
      if (found.worker) this.disconnect(found.worker);
    }
  }

  private replyFinal(request: PendingRequest, body: Buffer[]): void {
    this.counters.replies += 1;
    this.send(request.client, request.clientVersion === 2 ? encodeClientFinalV2(request.service, body) : encodeClientV1(request.service, body));
  }

  private dispatch(service: string): void {
    for (const { worker, request } of this.table.dispatch(service)) {
      this.send(worker.identity, worker.version === 2 ? encodeWorkerRequestV2(request.client, request.body) : encodeWorkerRequestV1(request.client, request.body));
    }
  }

  /** Heartbeats out, liveness in (workers, and clients that send mmi.resolute.alive), expiry of waiting requests. */
  private tick(): void {
    const now = Date.now();
    for (const worker of [...this.table.workers.values()]) {
      if (worker.expiresAt < now) {
        this.counters.workersExpired += 1;
        this.dropWorker(worker);
      } else {
        this.send(worker.identity, worker.version === 2 ? encodeHeartbeatV2() : encodeHeartbeatV1());
      }
    }
    this.counters.requestsExpired += this.table.expireRequests(now - this.options.requestExpiryMs);
    this.expireClients(now);
    this.cancelledIds.expire(now);
  }

  private expiry(): number {
    return Date.now() + this.options.heartbeatIntervalMs * this.options.heartbeatLiveness;
  }

  /** Forgets a worker; its request goes back to the front of the queue when it is safe to send it again. */
  private dropWorker(worker: WorkerRecord): void {
    const request = this.table.removeWorker(worker);
    if (!request || request.cancelled) return;
    if (request.relayedPartial || request.attempts >= this.options.maxAttempts || this.closing) {
      this.counters.requestsAbandoned += 1;
      return;
    }
    this.counters.requestsRequeued += 1;
    this.table.enqueue(request, true);
    this.dispatch(request.service);
  }

  private disconnect(worker: WorkerRecord): void {
    this.send(worker.identity, worker.version === 2 ? encodeDisconnectV2() : encodeDisconnectV1());
    this.dropWorker(worker);
  }

  private send(identity: Buffer, frames: Buffer[]): void {
    void this.out.send([identity, ...frames]);
  }
}
