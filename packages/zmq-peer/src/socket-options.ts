import type { Dealer, Router } from 'zeromq';
import type { ZmqPeerOptions } from './zmq-peer-options.js';

/**
 * Bytes ZeroMQ may add to a frame on the wire beyond what we put in it: libzmq checks ZMQ_MAXMSGSIZE before CURVE
 * decrypts a frame, and CURVE adds 33 (command, nonce, flags, MAC). Without this slack a DELIVER that fits
 * maxMessageBytes exactly would still drop the connection, and be resent forever.
 */
const WIRE_OVERHEAD = 64;

/** Options both ends of a peer link share: heartbeats, reconnect pacing, frame size limit, no lingering on close. */
export function commonSocketOptions(options: ZmqPeerOptions): Partial<Dealer & Router> {
  return {
    linger: 0,
    heartbeatInterval: options.heartbeatIntervalMs,
    heartbeatTimeout: options.heartbeatTimeoutMs,
    heartbeatTimeToLive: options.heartbeatTimeoutMs,
    reconnectInterval: options.reconnectIntervalMs,
    reconnectMaxInterval: options.reconnectMaxIntervalMs,
    maxMessageSize: options.maxMessageBytes + WIRE_OVERHEAD,
    sendHighWaterMark: options.sendHighWaterMark,
    receiveHighWaterMark: options.sendHighWaterMark,
  };
}
