import { ResoluteError } from '@resolute/core';

/*
 * The zmq-peer wire protocol, version 1 ("RZP1"). A DEALER talks to a peer's ROUTER; the ROUTER's routing-id frame is
 * added and removed by ZeroMQ and is not part of these layouts.
 *
 *   DELIVER  DEALER -> ROUTER   ["RZP1", "D", batch-id, message-1, ..., message-n]    n >= 1
 *   ACK      ROUTER -> DEALER   ["RZP1", "A", batch-id]                                 every message stored
 *   NACK     ROUTER -> DEALER   ["RZP1", "N", batch-id, reason]                         none stored: send again later
 *
 * batch-id is 4 bytes, unsigned big-endian, chosen by the sender, unique among its batches in flight to that peer.
 * Each message frame is one encoded envelope (opaque here). A receiver answers a DELIVER only after the batch is
 * durably in its inbox (ACK) or could not be stored (NACK); it never answers what it cannot parse.
 */
export const PROTOCOL = 'RZP1';
const PROTOCOL_BYTES = Buffer.from(PROTOCOL);
const DELIVER = Buffer.from('D');
const ACK = Buffer.from('A');
const NACK = Buffer.from('N');

export type PeerFrame =
  | { type: 'deliver'; batchId: number; messages: Buffer[] }
  | { type: 'ack'; batchId: number }
  | { type: 'nack'; batchId: number; reason: string };

function batchIdFrame(batchId: number): Buffer {
  const frame = Buffer.allocUnsafe(4);
  frame.writeUInt32BE(batchId >>> 0, 0);
  return frame;
}

export function encodeDeliver(batchId: number, messages: readonly Buffer[]): Buffer[] {
  return [PROTOCOL_BYTES, DELIVER, batchIdFrame(batchId), ...messages];
}

export function encodeAck(batchId: number): Buffer[] {
  return [PROTOCOL_BYTES, ACK, batchIdFrame(batchId)];
}

export function encodeNack(batchId: number, reason: string): Buffer[] {
  return [PROTOCOL_BYTES, NACK, batchIdFrame(batchId), Buffer.from(reason.slice(0, 512), 'utf8')];
}

function malformed(why: string): ResoluteError {
  return new ResoluteError('MALFORMED_MESSAGE', `not a zmq-peer frame: ${why}`, { retryable: false });
}

/** Parses frames (without a routing-id frame); throws MALFORMED_MESSAGE on anything that is not exactly a v1 frame. */
export function decodeFrames(frames: readonly Buffer[]): PeerFrame {
  const [protocol, command, id, ...rest] = frames;
  if (protocol === undefined || !protocol.equals(PROTOCOL_BYTES)) throw malformed(`protocol frame is not ${PROTOCOL}`);
  if (command === undefined || command.length !== 1) throw malformed('missing command frame');
  if (id === undefined || id.length !== 4) throw malformed('batch id must be 4 bytes');
  const batchId = id.readUInt32BE(0);
  if (command.equals(DELIVER)) {
    if (rest.length === 0) throw malformed('DELIVER without messages');
    return { type: 'deliver', batchId, messages: rest };
  }
  if (command.equals(ACK)) {
    if (rest.length !== 0) throw malformed('ACK with extra frames');
    return { type: 'ack', batchId };
  }
  if (command.equals(NACK)) {
    if (rest.length !== 1) throw malformed('NACK needs exactly one reason frame');
    return { type: 'nack', batchId, reason: rest[0]!.toString('utf8') };
  }
  throw malformed(`unknown command ${JSON.stringify(command.toString('latin1'))}`);
}
