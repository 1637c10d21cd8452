import type { BackendContext } from '@resolute/core';
import { MdpTransport } from './mdp-transport.js';

/**
 * What `createBusFromConfig` calls for `"transport": { "type": "mdp-broker", "broker": "tcp://127.0.0.1:5555" }`.
 * Every field but `type` (and `package`) is an MdpTransportOptions field; unknown or bad ones throw INVALID_CONFIG
 * naming the field. The endpoint's service is the bus name unless `service` is set.
 */
export function createTransportFromConfig(section: Record<string, unknown>, context: BackendContext): MdpTransport {
  const { type: _type, package: _package, ...options } = section;
  return new MdpTransport({ ...(options as { broker: string }), logger: context.logger });
}
