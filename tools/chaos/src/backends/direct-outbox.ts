import { withBusOptions, type ChaosTarget } from '../chaos-backend.js';

/**
 * The same target with the producer on `outbox: { direct: true }`: a publish resolves once the broker has the event,
 * and only what the broker refuses is written to the producer's outbox. What keeps an event is then the broker alone
 * (redis-bus with AOF, amqp-adapter's durable queues) — the chaos run checks that this is enough when the broker, the
 * producer and the consumer are SIGKILLed.
 */
export function withDirectOutbox(target: ChaosTarget): ChaosTarget {
  return withBusOptions(target, 'direct', 'producer', (bus) => ({ ...bus, outbox: { ...bus.outbox, direct: true } }));
}
