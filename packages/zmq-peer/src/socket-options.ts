import type { Dealer, Router } from 'zeromq';
import type { ZmqPeerOptions } from './zmq-peer-options.js';

/** Options both ends of a peer link share: heartbeats, reconnect pacing, frame size limit, no lingering on close. */
export function commonSocketOptions(options: ZmqPeerOptions): Partial<Dealer & Router> {
  return {
    linger: 0,
    heartbeatInterval: options.heartbeatIntervalMs,
    heartbeatTimeout: options.heartbeatTimeoutMs,
    heartbeatTimeToLive: options.heartbeatTimeoutMs,
    reconnectInterval: options.reconnectIntervalMs,
    reconnectMaxInterval: options.reconnectMaxIntervalMs,
    maxMessageSize: options.maxMessageBytes,
    sendHighWaterMark: options.sendHighWaterMark,
    receiveHighWaterMark: options.sendHighWaterMark,
  };
}
