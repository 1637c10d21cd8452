import { EMPTY, isPrintable, malformed } from './malformed.js';

/*
 * 18/MDP, Majordomo Protocol v0.2 (https://rfc.zeromq.org/spec/18/). Client and worker use DEALER sockets, so there is
 * no empty delimiter in front; the broker's ROUTER adds and removes the routing-id frame, which is not shown here.
 *
 *   client REQUEST   C->B  ["MDPC02", 0x01, service, body...]
 *   client PARTIAL   B->C  ["MDPC02", 0x02, service, body...]
 *   client FINAL     B->C  ["MDPC02", 0x03, service, body...]
 *   worker READY     W->B  ["MDPW02", 0x01, service]
 *   worker REQUEST   B->W  ["MDPW02", 0x02, client, "", body...]
 *   worker PARTIAL   W->B  ["MDPW02", 0x03, client, "", body...]
 *   worker FINAL     W->B  ["MDPW02", 0x04, client, "", body...]
 *   worker HEARTBEAT both  ["MDPW02", 0x05]
 *   worker DISCONNECT both ["MDPW02", 0x06]
 *
 * Bodies are one or more opaque frames. Service names are printable ASCII (1..255 bytes).
 */
export const MDPC02 = Buffer.from('MDPC02');
export const MDPW02 = Buffer.from('MDPW02');

export const CLIENT_V2 = { REQUEST: 0x01, PARTIAL: 0x02, FINAL: 0x03 } as const;
export const WORKER_V2 = { READY: 0x01, REQUEST: 0x02, PARTIAL: 0x03, FINAL: 0x04, HEARTBEAT: 0x05, DISCONNECT: 0x06 } as const;

export type ClientFrameV2 = { type: 'request' | 'partial' | 'final'; service: string; body: Buffer[] };

export type WorkerFrameV2 =
  | { type: 'ready'; service: string }
  | { type: 'request' | 'partial' | 'final'; client: Buffer; body: Buffer[] }
  | { type: 'heartbeat' }
  | { type: 'disconnect' };

const byte = (value: number): Buffer => Buffer.from([value]);

function clientFrame(command: number, service: string, body: readonly Buffer[]): Buffer[] {
  return [MDPC02, byte(command), Buffer.from(service), ...body];
}

export const encodeClientRequestV2 = (service: string, body: readonly Buffer[]): Buffer[] => clientFrame(CLIENT_V2.REQUEST, service, body);
export const encodeClientPartialV2 = (service: string, body: readonly Buffer[]): Buffer[] => clientFrame(CLIENT_V2.PARTIAL, service, body);
export const encodeClientFinalV2 = (service: string, body: readonly Buffer[]): Buffer[] => clientFrame(CLIENT_V2.FINAL, service, body);

export const encodeReadyV2 = (service: string): Buffer[] => [MDPW02, byte(WORKER_V2.READY), Buffer.from(service)];
export const encodeHeartbeatV2 = (): Buffer[] => [MDPW02, byte(WORKER_V2.HEARTBEAT)];
export const encodeDisconnectV2 = (): Buffer[] => [MDPW02, byte(WORKER_V2.DISCONNECT)];

function addressed(command: number, client: Buffer, body: readonly Buffer[]): Buffer[] {
  return [MDPW02, byte(command), client, EMPTY, ...body];
}
export const encodeWorkerRequestV2 = (client: Buffer, body: readonly Buffer[]): Buffer[] => addressed(WORKER_V2.REQUEST, client, body);
export const encodeWorkerPartialV2 = (client: Buffer, body: readonly Buffer[]): Buffer[] => addressed(WORKER_V2.PARTIAL, client, body);
export const encodeWorkerFinalV2 = (client: Buffer, body: readonly Buffer[]): Buffer[] => addressed(WORKER_V2.FINAL, client, body);

function command(frame: Buffer | undefined, protocol: string): number {
  if (frame === undefined || frame.length !== 1) throw malformed(protocol, 'the command frame must be one byte');
  return frame[0] as number;
}

function serviceName(frame: Buffer | undefined, protocol: string): string {
  if (frame === undefined || !isPrintable(frame)) throw malformed(protocol, 'the service name must be 1..255 printable ASCII bytes');
  return frame.toString('latin1');
}

/** Parses a client message (no routing-id frame). Throws MALFORMED_MESSAGE on anything not laid out as above. */
export function parseClientV2(frames: readonly Buffer[]): ClientFrameV2 {
  const [header, cmd, service, ...body] = frames;
  if (header === undefined || !header.equals(MDPC02)) throw malformed('MDPC02', 'the header frame is not MDPC02');
  const code = command(cmd, 'MDPC02');
  const name = serviceName(service, 'MDPC02');
  if (body.length === 0) throw malformed('MDPC02', 'a body of at least one frame is required');
  switch (code) {
    case CLIENT_V2.REQUEST:
      return { type: 'request', service: name, body };
    case CLIENT_V2.PARTIAL:
      return { type: 'partial', service: name, body };
    case CLIENT_V2.FINAL:
      return { type: 'final', service: name, body };
    default:
      throw malformed('MDPC02', `unknown command 0x${code.toString(16).padStart(2, '0')}`);
  }
}

/** Parses a worker-protocol message in either direction (no routing-id frame). Throws MALFORMED_MESSAGE. */
export function parseWorkerV2(frames: readonly Buffer[]): WorkerFrameV2 {
  const [header, cmd, ...rest] = frames;
  if (header === undefined || !header.equals(MDPW02)) throw malformed('MDPW02', 'the header frame is not MDPW02');
  const code = command(cmd, 'MDPW02');
  switch (code) {
    case WORKER_V2.READY:
      if (rest.length !== 1) throw malformed('MDPW02', 'READY has exactly one service frame');
      return { type: 'ready', service: serviceName(rest[0], 'MDPW02') };
    case WORKER_V2.REQUEST:
    case WORKER_V2.PARTIAL:
    case WORKER_V2.FINAL: {
      const [client, empty, ...body] = rest;
      if (client === undefined || client.length === 0) throw malformed('MDPW02', 'missing the client address frame');
      if (empty === undefined || empty.length !== 0) throw malformed('MDPW02', 'the client address must be followed by an empty frame');
      if (body.length === 0) throw malformed('MDPW02', 'a body of at least one frame is required');
      const type = code === WORKER_V2.REQUEST ? 'request' : code === WORKER_V2.PARTIAL ? 'partial' : 'final';
      return { type, client, body };
    }
    case WORKER_V2.HEARTBEAT:
    case WORKER_V2.DISCONNECT:
      if (rest.length !== 0) throw malformed('MDPW02', 'HEARTBEAT and DISCONNECT have no further frames');
      return { type: code === WORKER_V2.HEARTBEAT ? 'heartbeat' : 'disconnect' };
    default:
      throw malformed('MDPW02', `unknown command 0x${code.toString(16).padStart(2, '0')}`);
  }
}
