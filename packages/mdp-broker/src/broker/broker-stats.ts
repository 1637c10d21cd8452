/** Counters a Broker keeps since it started (see Broker.stats()). */
export interface BrokerStats {
  /** Client requests accepted (MMI included). */
  requests: number;
  /** FINAL (v0.2) or REPLY (v0.1) messages relayed to clients. */
  replies: number;
  /** PARTIAL messages relayed to v0.2 clients. */
  partials: number;
  /** Messages that were not MDP at all, or malformed MDP: dropped. */
  invalidMessages: number;
  /** Well-formed commands out of dialog (a second READY, FINAL while idle...): the worker got DISCONNECT. */
  protocolErrors: number;
  /** Requests dropped after waiting requestExpiryMs for a worker. */
  requestsExpired: number;
  /** Requests sent again to another worker after theirs was lost. */
  requestsRequeued: number;
  /** Requests given up when their worker was lost (partials already relayed, or maxAttempts used). */
  requestsAbandoned: number;
  /** Requests cancelled by their client (mmi.resolute.cancel): taken out of the queue, or their worker disconnected. */
  requestsCancelled: number;
  /**
   * Requests whose client sent mmi.resolute.alive and then fell silent for liveness x its interval (a dead client
   * process): withdrawn like a cancel (out of the queue, or their worker disconnected). Not in requestsCancelled.
   */
  clientsExpired: number;
  /** Workers dropped because they missed heartbeatLiveness heartbeats. */
  workersExpired: number;
  /** With curve.allow: peers (workers or clients) whose CURVE public key the ZAP handler refused. */
  peersRefused: number;
  /** With curve: CURVE handshakes that failed before authentication (a plain peer, a wrong curve.serverKey). */
  handshakeFailures: number;
  /** Now: registered workers, of which busy, and requests waiting for a worker. */
  workers: number;
  busyWorkers: number;
  queuedRequests: number;
}

export type BrokerCounters = Omit<BrokerStats, 'workers' | 'busyWorkers' | 'queuedRequests'>;

export const newCounters = (): BrokerCounters => ({
  requests: 0,
  replies: 0,
  partials: 0,
  invalidMessages: 0,
  protocolErrors: 0,
  requestsExpired: 0,
  requestsRequeued: 0,
  requestsAbandoned: 0,
  requestsCancelled: 0,
  clientsExpired: 0,
  workersExpired: 0,
  peersRefused: 0,
  handshakeFailures: 0,
});
