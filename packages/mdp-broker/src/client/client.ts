import { isResoluteError, ResoluteError } from '@resolute/core';
import { decodeErrorBody, toFrames, type Body } from '../error-frames.js';
import { mapZmqError } from '../map-zmq-error.js';
import { encodeClientRequestV2, parseClientV2 } from '../protocol/mdp-v2.js';
import { isMmi, MMI_ALIVE, MMI_CANCEL } from '../protocol/mmi.js';
import { resolveClientOptions, type ClientOptions, type ResolvedClientOptions } from './client-options.js';
import { ReplyCache } from './reply-cache.js';
import { ReplyChannel, type Reply } from './reply.js';
import { RequestSocket } from './request-socket.js';

export interface ClientRequestOptions {
  /** Overrides the client's timeoutMs for this request (per attempt). */
  timeoutMs?: number;
  /** Aborting fails the request with ABORTED and closes its socket; a reply arriving later is discarded. */
  signal?: AbortSignal;
  /**
   * Default true: a FINAL in the Resolute error convention (see error-frames.ts) fails the request with REMOTE_ERROR.
   * False: it is returned as it is, like any other body (Titanic stores replies verbatim).
   */
  decodeErrors?: boolean;
  /**
   * True: the request may be answered from the client's reply cache (option `cache`), and its FINAL reply is kept
   * there for the next identical request (same service, same body frames). Mark only requests whose answer may be
   * reused for cache.ttlMs: MDP requests are not idempotent in general. Ignored when the client has no cache. A hit
   * yields no partials, only the final reply. Error replies are never cached.
   */
  cache?: boolean;
}

/** Counters a Client keeps since it was created (see Client.stats()). */
export interface ClientStats {
  /** Cacheable requests answered from the reply cache, and sent to the broker because nothing (fresh) was there. */
  cacheHits: number;
  cacheMisses: number;
  /** Now: replies in the cache (expired ones included until they are looked up or pushed out). */
  cachedReplies: number;
  /** mmi.resolute.cancel requests sent for attempts that timed out or were aborted (option cancelAbandoned). */
  cancelsSent: number;
  /** mmi.resolute.alive heartbeats sent for outstanding requests (option heartbeatIntervalMs). */
  heartbeatsSent: number;
}

/** The mmi.resolute.alive timer of one attempt; `sending` while a heartbeat is being handed to its socket. */
interface Heartbeat {
  timer: NodeJS.Timeout | undefined;
  sending: boolean;
}

/** How long a cancel may take; it is best effort, and the broker forgets the request after requestExpiryMs anyway. */
const CANCEL_TIMEOUT_MS = 5_000;

/**
 * A Majordomo client (18/MDP v0.2, DEALER). MDP replies name only the service, so each request in flight has its own
 * socket; a socket whose request finished goes back to a per-broker pool, one that timed out is closed (a late reply
 * must not be taken for the next request's).
 */
export class Client {
  private readonly options: ResolvedClientOptions;
  private readonly idle = new Map<string, RequestSocket[]>();
  private readonly active = new Set<RequestSocket>();
  private readonly cache: ReplyCache | undefined;
  private readonly counters = { cacheHits: 0, cacheMisses: 0, cancelsSent: 0, heartbeatsSent: 0 };
  private current = 0;
  private closed = false;

  constructor(options: ClientOptions) {
    this.options = resolveClientOptions(options);
    const { cache } = this.options;
    this.cache = cache === undefined ? undefined : new ReplyCache(cache.ttlMs, cache.maxEntries);
  }

  /**
   * Sends `body` to `service`. The Reply yields PARTIALs in order and its `final` resolves with the FINAL body.
   * Fails with TIMEOUT when no FINAL came within timeoutMs on every attempt, ABORTED on abort, REMOTE_ERROR when the
   * worker rejected the request, BUS_CLOSED after close(). With `cache: true` and a fresh cached reply, resolves with
   * it at once, without a round trip.
   */
  request(service: string, body: Body, options: ClientRequestOptions = {}): Reply {
    const reply = new ReplyChannel();
    const frames = toFrames(body);
    const cacheKey = this.cache !== undefined && options.cache === true ? ReplyCache.key(service, frames) : undefined;
    const cached = cacheKey === undefined ? undefined : this.cache?.get(cacheKey);
    if (cacheKey !== undefined) this.counters[cached === undefined ? 'cacheMisses' : 'cacheHits'] += 1;
    if (this.closed) reply.reject(new ResoluteError('BUS_CLOSED', 'Client.request: the client is closed; create a new Client', { retryable: false }));
    else if (options.signal?.aborted) reply.reject(new ResoluteError('ABORTED', `request to ${service}: aborted before it was sent`, { cause: options.signal.reason }));
    else if (cached !== undefined) reply.resolve(cached);
    else void this.run(service, frames, options, reply, cacheKey);
    return reply;
  }

  stats(): ClientStats {
    return { ...this.counters, cachedReplies: this.cache?.size ?? 0 };
  }

  /** The promise form: resolves with the FINAL body, ignoring partials. */
  requestFinal(service: string, body: Body, options: ClientRequestOptions = {}): Promise<Buffer[]> {
    return this.request(service, body, options).final;
  }

  /** Fails requests in flight with BUS_CLOSED and closes every socket. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    this.cache?.clear();
    for (const socket of this.active) socket.close();
    for (const sockets of this.idle.values()) for (const socket of sockets) socket.close();
    this.idle.clear();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private pickBroker(): string {
    const { brokers, strategy } = this.options;
    const broker = brokers[this.current % brokers.length] as string;
    if (strategy === 'round-robin') this.current += 1;
    return broker;
  }

  private async run(service: string, body: Buffer[], options: ClientRequestOptions, reply: ReplyChannel, cacheKey: string | undefined): Promise<void> {
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    let partials = 0;
    for (let attempt = 0; ; attempt += 1) {
      const broker = this.pickBroker();
      const outcome = await this.attempt(broker, service, body, timeoutMs, options.signal, (frames) => {
        partials += 1;
        reply.partial(frames);
      });
      if (outcome.ok) {
        const remote = decodeErrorBody(outcome.body, `request to ${service}`);
        if (remote === undefined && cacheKey !== undefined) this.cache?.set(cacheKey, outcome.body);
        if (remote !== undefined && options.decodeErrors !== false) reply.reject(remote);
        else reply.resolve(outcome.body);
        return;
      }
      const error = outcome.error;
      const retry = isResoluteError(error, 'TIMEOUT') && partials === 0 && attempt < this.options.retries && !this.closed;
      if (isResoluteError(error, 'TIMEOUT') && this.options.strategy === 'failover') this.current += 1;
      if (!retry) {
        reply.reject(error);
        return;
      }
      this.options.logger.debug({ service, broker, attempt }, 'mdp client: attempt timed out, retrying');
    }
  }

  private socketFor(broker: string): RequestSocket {
    return this.idle.get(broker)?.pop() ?? new RequestSocket(broker, this.options.curve);
  }

  private async attempt(
    broker: string,
    service: string,
    body: Buffer[],
    timeoutMs: number,
    signal: AbortSignal | undefined,
    onPartial: (body: Buffer[]) => void,
  ): Promise<{ ok: true; body: Buffer[] } | { ok: false; error: unknown }> {
    if (signal?.aborted) return { ok: false, error: new ResoluteError('ABORTED', `request to ${service}: aborted before it was sent`, { cause: signal.reason }) };
    const socket = this.socketFor(broker);
    this.active.add(socket);
    let failure: unknown;
    const fail = (error: unknown): void => {
      failure ??= error;
      socket.close();
    };
    const timer = setTimeout(() => {
      const why =
        socket.handshakeError === undefined
          ? 'is a worker for it running?'
          : `the CURVE handshake with the broker failed (${socket.handshakeError}): check that curve.serverKey is the broker's public key and that the broker uses CURVE`;
      fail(new ResoluteError('TIMEOUT', `request to ${service} via ${broker}: no final reply within ${timeoutMs} ms: ${why}`));
    }, timeoutMs);
    const onAbort = (): void => fail(new ResoluteError('ABORTED', `request to ${service}: aborted`, { cause: signal?.reason }));
    signal?.addEventListener('abort', onAbort, { once: true });
    const onRefused = (error: Error): void =>
      fail(new ResoluteError('AUTH_FAILED', `request to ${service} via ${broker}: the broker refused this client's CURVE key: add curve.publicKey to the broker's curve.allow`, { cause: error, retryable: false }));
    socket.onRefused = onRefused;
    if (socket.refusal !== undefined) onRefused(socket.refusal);
    const { dealer } = socket;
    const heartbeat: Heartbeat = { timer: undefined, sending: false };
    try {
      await dealer.send(encodeClientRequestV2(service, body)).catch((error: unknown) => {
        // sendTimeout 0: not connected yet. Wait for the connection, bounded by the attempt's timer.
        if ((error as { code?: unknown }).code !== 'EAGAIN') throw error;
        dealer.sendTimeout = -1;
        return dealer.send(encodeClientRequestV2(service, body));
      });
      this.startHeartbeat(socket, service, heartbeat);
      for (;;) {
        const frames = await dealer.receive();
        let message;
        try {
          message = parseClientV2(frames);
        } catch (error) {
          this.options.logger.warn({ err: error, broker }, 'mdp client: invalid message from the broker dropped');
          continue;
        }
        if (message.service !== service || message.type === 'request') continue;
        if (message.type === 'partial') {
          onPartial(message.body);
          continue;
        }
        this.active.delete(socket);
        socket.onRefused = undefined;
        // A heartbeat still being sent would make the next request's send fail on a busy socket: do not pool it.
        if (this.closed || heartbeat.sending) socket.close();
        else {
          dealer.sendTimeout = 0;
          const pool = this.idle.get(broker) ?? [];
          pool.push(socket);
          this.idle.set(broker, pool);
        }
        return { ok: true, body: message.body };
      }
    } catch (error) {
      socket.close();
      this.active.delete(socket);
      if (isResoluteError(failure, 'TIMEOUT') || isResoluteError(failure, 'ABORTED')) this.cancel(broker, service, socket.routingId, timeoutMs);
      if (failure !== undefined) return { ok: false, error: failure };
      if (this.closed) return { ok: false, error: new ResoluteError('BUS_CLOSED', `request to ${service}: the client was closed`, { retryable: false }) };
      return { ok: false, error: mapZmqError(error, `request to ${service} via ${broker}`) };
    } finally {
      clearTimeout(timer);
      clearInterval(heartbeat.timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Sends mmi.resolute.alive (see protocol/mmi.ts) on the request's own socket every heartbeatIntervalMs, so the
   * broker can tell this process is still waiting; its answer arrives on that socket and is skipped by attempt() (it
   * names another service). Off for mmi.* requests and with heartbeatIntervalMs 0. Best effort: failures are logged.
   */
  private startHeartbeat(socket: RequestSocket, service: string, heartbeat: Heartbeat): void {
    const intervalMs = this.options.heartbeatIntervalMs;
    if (intervalMs === 0 || isMmi(service)) return;
    const frames = [Buffer.from(socket.routingId), Buffer.from(String(intervalMs))];
    heartbeat.timer = setInterval(() => {
      if (heartbeat.sending || socket.closed) return;
      heartbeat.sending = true;
      this.counters.heartbeatsSent += 1;
      socket.dealer
        .send(encodeClientRequestV2(MMI_ALIVE, frames))
        .catch((error: unknown) => this.options.logger.debug({ err: error, service, broker: socket.broker }, 'mdp client: heartbeat not sent'))
        .finally(() => (heartbeat.sending = false));
    }, intervalMs);
  }

  /**
   * Tells `broker` that the request sent on the socket `routingId` is abandoned (mmi.resolute.cancel, see
   * protocol/mmi.ts), so it is not run, or its worker stops. Best effort: a failed or refused cancel is only logged.
   */
  private cancel(broker: string, service: string, routingId: string, timeoutMs: number): void {
    if (!this.options.cancelAbandoned || this.closed || isMmi(service)) return;
    this.counters.cancelsSent += 1;
    void this.attempt(broker, MMI_CANCEL, [Buffer.from(routingId)], Math.min(timeoutMs, CANCEL_TIMEOUT_MS), undefined, () => undefined).then((outcome) => {
      const status = outcome.ok ? outcome.body[0]?.toString() : undefined;
      this.options.logger.debug({ service, broker, status, err: outcome.ok ? undefined : outcome.error }, 'mdp client: cancel of an abandoned request');
    });
  }
}
