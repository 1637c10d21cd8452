import type { BackendContext } from '@resolute/core';
import { ZmqPeerTransport } from './zmq-peer-transport.js';

/**
 * What `createBusFromConfig` calls for `"transport": { "type": "zmq-peer", "bind": "tcp://127.0.0.1:12345", ... }`.
 * Every field but `type` is a ZmqPeerOptions field; unknown fields are refused by name.
 */
export function createTransportFromConfig(section: Record<string, unknown>, context: BackendContext): ZmqPeerTransport {
  const { type: _type, package: _package, ...options } = section;
  return new ZmqPeerTransport({ ...(options as { bind: string }), logger: context.logger });
}
