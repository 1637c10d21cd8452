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
export { MMI_SERVICE, isMmi } from './protocol/mmi.js';
