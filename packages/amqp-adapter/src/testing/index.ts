// Test support for code that runs on RabbitMQ: a private vhost on a running node, or a whole private node that a
// test may kill and restart. Published as `@resolute/amqp-adapter/testing`; never imported by the transport itself.
export { privateVhost, rabbitmqctl, SHARED_HOST } from './rabbitmqctl.js';
export type { PrivateVhost } from './rabbitmqctl.js';
export { PrivateRabbit } from './private-rabbit.js';
export type { PrivateRabbitOptions, PrivateRabbitTls } from './private-rabbit.js';
