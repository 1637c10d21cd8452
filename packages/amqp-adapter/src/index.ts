export { AmqpTransport } from './amqp-transport.js';
export { createTransportFromConfig } from './transport-from-config.js';
export { amqpOptionsSchema } from './amqp-options.js';
export type { AmqpOptions, AmqpOptionsInput, AmqpTlsOptions } from './amqp-options.js';
export type { AmqpStats } from './amqp-stats.js';
export { mapAmqpError } from './map-amqp-error.js';
