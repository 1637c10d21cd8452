import type { BackendContext } from '@resolute/core';
import { AmqpTransport } from './amqp-transport.js';

/**
 * What `createBusFromConfig` calls for `"transport": { "type": "amqp-adapter", "url": "amqp://..." }`. Every field
 * but `type` is an AmqpOptions field; unknown fields are refused by name (INVALID_CONFIG).
 */
export function createTransportFromConfig(section: Record<string, unknown>, context: BackendContext): AmqpTransport {
  const { type: _type, package: _package, ...options } = section;
  return new AmqpTransport({ ...options, logger: context.logger });
}
