export { Bus, createBus, CONTROL } from './bus/bus.js';
export type { Receipt, RequestOptions, SendOptions, SubscribeOptions, Subscription } from './bus/bus.js';
export { BUS_DEFAULTS, busTuningSchema, resolveBusOptions } from './bus/bus-options.js';
export type { BusOptions, DeadLetterOptions, OutboxOptions, ResolvedBusOptions } from './bus/bus-options.js';
export type { BusEventMap, BusEventName } from './bus/bus-events.js';
export type { BusCounters, BusStats } from './bus/bus-stats.js';
export type { Handler, MessageContext } from './bus/handler-registry.js';
export type { BackoffOptions } from './bus/backoff.js';
export { backoffDelay } from './bus/backoff.js';
export { ERROR_HEADER } from './bus/pending-requests.js';
export { DEAD_HEADERS } from './bus/dead-letters.js';
export { packRecord, unpackRecord } from './bus/record.js';
export type { DeadMeta, InboxMeta } from './bus/record.js';
export { DEDUPE_EXPIRY, sweepDedupe } from './bus/dedupe.js';
export { outboxKey } from './bus/outbox-relay.js';
export { splitKey as splitSubscriptionKey } from './bus/subscription-table.js';
export type { SubscriptionRecord } from './bus/subscription-table.js';

export { jsonCodec } from './codec.js';
export type { Codec } from './codec.js';
export { assertName, createEnvelope, MESSAGE_KINDS, traceparent } from './envelope.js';
export type { CreateEnvelopeInput, Envelope, MessageKind } from './envelope.js';
export {
  errorFromSerialized,
  isResoluteError,
  isUnrecoverable,
  ResoluteError,
  serializeError,
  UnrecoverableError,
} from './errors.js';
export type { ErrorCode, ResoluteErrorOptions, SerializedError } from './errors.js';
export { faultPoint } from './fault-points.js';
export type { FaultPoint } from './fault-points.js';
export { ID_LENGTH, idFloor, idTime, isId, MAX_OBSERVED_AHEAD_MS, newId, observeId } from './ids.js';
export { childLogger, silentLogger } from './logger.js';
export type { Logger } from './logger.js';
export { delOp, getMany, inRange, NAMESPACE_PATTERN, NAMESPACES, putOp } from './store.js';
export type { BatchOptions, Store, StoreEntry, StoreOperation, StoreRange } from './store.js';
export { destinationFromKey, destinationKey } from './transport.js';
export type {
  Destination,
  IncomingMessage,
  OutgoingMessage,
  Receiver,
  Routing,
  SendOutcome,
  Transport,
  TransportCapabilities,
  TransportStartContext,
} from './transport.js';

export { MemoryNetwork } from './memory/memory-network.js';
export { MemorySpace, MemoryStore } from './memory/memory-store.js';
export type { MemoryStoreOptions } from './memory/memory-store.js';
export { MemoryTransport } from './memory/memory-transport.js';
export type { MemoryTransportOptions } from './memory/memory-transport.js';

export { loadBackendModule, STORE_PACKAGES, TRANSPORT_PACKAGES } from './config/backend-modules.js';
export type { BackendContext, BackendModule } from './config/backend-modules.js';
export { busConfigSchema } from './config/bus-config.js';
export type { BackendConfig, BusConfig, BusConfigInput } from './config/bus-config.js';
export { createBusFromConfig, createStoreFromBusConfig, loadBusConfig, PROFILE_ENV } from './config/create-bus-from-config.js';
export type { FromConfigOptions, ResolvedConfig } from './config/create-bus-from-config.js';
