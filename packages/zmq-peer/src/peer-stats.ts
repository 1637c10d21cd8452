/** Counters a zmq-peer transport keeps; read them with `transport.stats()`. */
export interface PeerStats {
  /** DELIVER frame sets sent. */
  batchesSent: number;
  /** DELIVER frame sets received and acknowledged. */
  batchesReceived: number;
  /** Received batches the bus could not store (NACKed). */
  batchesRefused: number;
  /** Frames that were not our protocol (or the wrong direction): dropped, never answered. */
  malformed: number;
  /** Replies the ROUTER could not route (the sender went away; it will send again). */
  unroutable: number;
  /** Batches that got no reply in time. */
  ackTimeouts: number;
  /** Clients refused by the CURVE allow-list. */
  deniedClients: number;
}

export function newPeerStats(): PeerStats {
  return { batchesSent: 0, batchesReceived: 0, batchesRefused: 0, malformed: 0, unroutable: 0, ackTimeouts: 0, deniedClients: 0 };
}
