export {
  CLIENT_V2,
  encodeClientFinalV2,
  encodeClientPartialV2,
  encodeClientRequestV2,
  encodeDisconnectV2,
  encodeHeartbeatV2,
  encodeReadyV2,
  encodeWorkerFinalV2,
  encodeWorkerPartialV2,
  encodeWorkerRequestV2,
  MDPC02,
  MDPW02,
  parseClientV2,
  parseWorkerV2,
  WORKER_V2,
} from './protocol/mdp-v2.js';
export type { ClientFrameV2, WorkerFrameV2 } from './protocol/mdp-v2.js';
export {
  encodeClientV1,
  encodeDisconnectV1,
  encodeHeartbeatV1,
  encodeReadyV1,
  encodeWorkerReplyV1,
  encodeWorkerRequestV1,
  MDPC01,
  MDPW01,
  parseClientV1,
  parseWorkerV1,
  WORKER_V1,
} from './protocol/mdp-v1.js';
export type { ClientFrameV1, WorkerFrameV1 } from './protocol/mdp-v1.js';
export { MMI_ALIVE, MMI_CANCEL, MMI_SERVICE, isMmi } from './protocol/mmi.js';

export { Broker } from './broker/broker.js';
export { brokerOptionsSchema } from './broker/broker-options.js';
export type { BrokerOptions } from './broker/broker-options.js';
export type { BrokerStats } from './broker/broker-stats.js';
export { Worker } from './worker/worker.js';
export { workerOptionsSchema } from './worker/worker-options.js';
export type { WorkerOptions } from './worker/worker-options.js';
export type { IncomingRequest, ReplyStream, RequestHandler } from './worker/reply-stream.js';
export { Client } from './client/client.js';
export type { ClientRequestOptions, ClientStats } from './client/client.js';
export { clientOptionsSchema } from './client/client-options.js';
export type { ClientOptions } from './client/client-options.js';
export type { Reply } from './client/reply.js';
export { ERROR_MARKER } from './error-frames.js';
export type { Body } from './error-frames.js';
export { Titanic } from './titanic/titanic.js';
export type { TitanicStats } from './titanic/titanic.js';
export { titanicOptionsSchema } from './titanic/titanic-options.js';
export type { TitanicOptions } from './titanic/titanic-options.js';
export { TitanicClient } from './titanic/titanic-client.js';
export type { TitanicReply, WaitForReplyOptions } from './titanic/titanic-client.js';
export { newTitanicId, TITANIC_SERVICES, TSP_STATUS } from './titanic/titanic-protocol.js';
export type { TspStatus } from './titanic/titanic-protocol.js';
export { TITANIC_NAMESPACES } from './titanic/titanic-store.js';
export { MdpTransport } from './transport/mdp-transport.js';
export type { MdpTransportStats } from './transport/mdp-transport.js';
export { mdpTransportOptionsSchema } from './transport/mdp-transport-options.js';
export type { MdpTransportOptions } from './transport/mdp-transport-options.js';
export { createTransportFromConfig } from './transport/transport-from-config.js';
export { generateCurveKeyPair } from './security/curve-keys.js';
export type { CurveClientOptions, CurveServerOptions } from './security/curve-options.js';
