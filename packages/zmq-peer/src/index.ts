export { ZmqPeerTransport } from './zmq-peer-transport.js';
export { createTransportFromConfig } from './transport-from-config.js';
export { generateCurveKeyPair } from './curve-keys.js';
export { zmqPeerOptionsSchema } from './zmq-peer-options.js';
export type { CurveOptions, ZmqPeerOptions, ZmqPeerOptionsInput } from './zmq-peer-options.js';
export type { PeerStats } from './peer-stats.js';
export { decodeFrames, encodeAck, encodeDeliver, encodeNack, packMessages, PROTOCOL, unpackMessages } from './protocol/frames.js';
export type { PeerFrame } from './protocol/frames.js';
