import { withBusOptions, type ChaosTarget } from '../chaos-backend.js';

/**
 * The same target with the consumer on `inbox: { ack: 'handled' }`: it acks its transport only once the handler ran
 * and the outcome is written, so the happy path writes nothing to its inbox. What keeps a message until then is the
 * broker's queue (redis-bus) or the producer's outbox (zmq-peer) — the chaos run checks that this is enough.
 */
export function withHandledAck(target: ChaosTarget): ChaosTarget {
  return withBusOptions(target, 'handled', 'consumer', (bus) => ({ ...bus, inbox: { ...bus.inbox, ack: 'handled' } }));
}
