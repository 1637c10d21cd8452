import { ResoluteError } from '@resolute/core';

/*
 * The zmq-peer wire protocol, version 2 ("RZP2"). A DEALER talks to a peer's ROUTER; the ROUTER's routing-id frame is
 * added and removed by ZeroMQ and is not part of these layouts.
 *
 *   DELIVER  DEALER -> ROUTER   ["RZP2", "D", batch-id, messages]     every message stored, or none
 *   ACK      ROUTER -> DEALER   ["RZP2", "A", batch-id]               every message stored
 *   NACK     ROUTER -> DEALER   ["RZP2", "N", batch-id, reason]       none stored: send again later
 *
 * batch-id is 4 bytes, unsigned big-endian, chosen by the sender, unique among its batches in flight to that peer.
 * `messages` is one frame holding n >= 1 messages, each a 4-byte unsigned big-endian length and then that many bytes
 * of one encoded envelope (opaque here, never empty); at most 10,000 messages; the lengths add up to the frame
 * exactly. A receiver answers a DELIVER only after the batch is durably in its inbox (ACK) or could not be stored
 * (NACK); it never answers what it cannot parse.
 *
 * Why one frame for the whole batch, not one frame per message (RZP1 did that): zeromq.js hands any frame over 128
 * bytes to ZeroMQ without copying, which costs a reference released on the main thread after the send, and gives a
 * received one to JavaScript as an external buffer with a finalizer run by the GC. Per message, that was a large share
 * of the CPU a message cost; per batch it is noise. The received messages are views into the frame, not copies: the
 * receiving bus copies only what it keeps past the receive call (a message waiting for a retry, say), so the common
 * case costs no allocation per message.
 */
export const PROTOCOL = 'RZP2';
const PROTOCOL_BYTES = Buffer.from(PROTOCOL);
const DELIVER = Buffer.from('D');
const ACK = Buffer.from('A');
const NACK = Buffer.from('N');
const LENGTH_BYTES = 4;
/** The most messages a DELIVER may hold: the largest maxBatch a sender can be configured with. */
export const MAX_MESSAGES = 10_000;

export type PeerFrame =
  | { type: 'deliver'; batchId: number; messages: Buffer[] }
  | { type: 'ack'; batchId: number }
  | { type: 'nack'; batchId: number; reason: string };

function batchIdFrame(batchId: number): Buffer {
  const frame = Buffer.allocUnsafe(4);
  frame.writeUInt32BE(batchId >>> 0, 0);
  return frame;
}

/** Bytes a message takes in a DELIVER's messages frame (its length prefix included). */
export function packedSize(message: Buffer): number {
  return LENGTH_BYTES + message.length;
}

/** The messages of a DELIVER in one frame, each behind its length. */
export function packMessages(messages: readonly Buffer[]): Buffer {
  let size = 0;
  for (const message of messages) size += packedSize(message);
  const frame = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const message of messages) {
    frame.writeUInt32BE(message.length, offset);
    offset += LENGTH_BYTES;
    offset += message.copy(frame, offset);
  }
  return frame;
}

/**
 * The messages of a packed frame; throws MALFORMED_MESSAGE unless the lengths add up exactly, every message has bytes
 * and there are at most MAX_MESSAGES. Each message is a view into the frame (see IncomingMessage.bytes: the bus copies
 * what it keeps, so a waiting message does not hold the whole batch's frame).
 */
export function unpackMessages(frame: Buffer): Buffer[] {
  const messages: Buffer[] = [];
  let offset = 0;
  while (offset < frame.length) {
    if (frame.length - offset < LENGTH_BYTES) throw malformed(`${frame.length - offset} bytes left where a message length was expected`);
    const length = frame.readUInt32BE(offset);
    offset += LENGTH_BYTES;
    if (length === 0) throw malformed('an empty message');
    if (length > frame.length - offset) throw malformed(`message length ${length} runs past the end of the frame`);
    if (messages.length === MAX_MESSAGES) throw malformed(`more than ${MAX_MESSAGES} messages in one DELIVER`);
    messages.push(frame.subarray(offset, offset + length));
    offset += length;
  }
  if (messages.length === 0) throw malformed('DELIVER without messages');
  return messages;
}

export function encodeDeliver(batchId: number, messages: readonly Buffer[]): Buffer[] {
  return [PROTOCOL_BYTES, DELIVER, batchIdFrame(batchId), packMessages(messages)];
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

/** Parses frames (without a routing-id frame); throws MALFORMED_MESSAGE on anything that is not exactly a v2 frame. */
export function decodeFrames(frames: readonly Buffer[]): PeerFrame {
  const [protocol, command, id, ...rest] = frames;
  if (protocol === undefined || !protocol.equals(PROTOCOL_BYTES)) {
    const older = protocol !== undefined && protocol.toString('latin1') === 'RZP1';
    throw malformed(older ? 'RZP1 from a peer of an older version: upgrade it to speak RZP2' : `protocol frame is not ${PROTOCOL}`);
  }
  if (command === undefined || command.length !== 1) throw malformed('missing command frame');
  if (id === undefined || id.length !== 4) throw malformed('batch id must be 4 bytes');
  const batchId = id.readUInt32BE(0);
  if (command.equals(DELIVER)) {
    if (rest.length !== 1) throw malformed('DELIVER needs exactly one frame of messages');
    return { type: 'deliver', batchId, messages: unpackMessages(rest[0]!) };
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
