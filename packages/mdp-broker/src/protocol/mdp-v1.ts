import { EMPTY, isPrintable, malformed } from './malformed.js';

/*
 * 7/MDP, Majordomo Protocol v0.1 (https://rfc.zeromq.org/spec/7/). Clients use REQ sockets, workers DEALER sockets that
 * emulate REQ by sending an empty delimiter frame first. Shown here as the broker's ROUTER sees them after the
 * routing-id frame, i.e. starting with that empty delimiter.
 *
 *   client REQUEST   C->B  ["", "MDPC01", service, body...]
 *   client REPLY     B->C  ["", "MDPC01", service, body...]
 *   worker READY     W->B  ["", "MDPW01", 0x01, service]
 *   worker REQUEST   B->W  ["", "MDPW01", 0x02, client, "", body...]
 *   worker REPLY     W->B  ["", "MDPW01", 0x03, client, "", body...]
 *   worker HEARTBEAT both  ["", "MDPW01", 0x04]
 *   worker DISCONNECT both ["", "MDPW01", 0x05]
 *
 * A REQ client's own socket adds and strips the leading empty frame: it sends ["MDPC01", service, body...].
 */
export const MDPC01 = Buffer.from('MDPC01');
export const MDPW01 = Buffer.from('MDPW01');

export const WORKER_V1 = { READY: 0x01, REQUEST: 0x02, REPLY: 0x03, HEARTBEAT: 0x04, DISCONNECT: 0x05 } as const;

export type ClientFrameV1 = { type: 'request'; service: string; body: Buffer[] };

export type WorkerFrameV1 =
  | { type: 'ready'; service: string }
  | { type: 'request' | 'reply'; client: Buffer; body: Buffer[] }
  | { type: 'heartbeat' }
  | { type: 'disconnect' };

const byte = (value: number): Buffer => Buffer.from([value]);

/** Client REQUEST and REPLY share one layout. */
export const encodeClientV1 = (service: string, body: readonly Buffer[]): Buffer[] => [EMPTY, MDPC01, Buffer.from(service), ...body];

export const encodeReadyV1 = (service: string): Buffer[] => [EMPTY, MDPW01, byte(WORKER_V1.READY), Buffer.from(service)];
export const encodeHeartbeatV1 = (): Buffer[] => [EMPTY, MDPW01, byte(WORKER_V1.HEARTBEAT)];
export const encodeDisconnectV1 = (): Buffer[] => [EMPTY, MDPW01, byte(WORKER_V1.DISCONNECT)];
export const encodeWorkerRequestV1 = (client: Buffer, body: readonly Buffer[]): Buffer[] => [EMPTY, MDPW01, byte(WORKER_V1.REQUEST), client, EMPTY, ...body];
export const encodeWorkerReplyV1 = (client: Buffer, body: readonly Buffer[]): Buffer[] => [EMPTY, MDPW01, byte(WORKER_V1.REPLY), client, EMPTY, ...body];

function delimited(frames: readonly Buffer[], protocol: string, header: Buffer): Buffer[] {
  const [empty, head, ...rest] = frames;
  if (empty === undefined || empty.length !== 0) throw malformed(protocol, 'the first frame must be the empty delimiter');
  if (head === undefined || !head.equals(header)) throw malformed(protocol, `the header frame is not ${protocol}`);
  return rest;
}

/** Parses a v0.1 client REQUEST or REPLY, starting at the empty delimiter. Throws MALFORMED_MESSAGE. */
export function parseClientV1(frames: readonly Buffer[]): ClientFrameV1 {
  const [service, ...body] = delimited(frames, 'MDPC01', MDPC01);
  if (service === undefined || !isPrintable(service)) throw malformed('MDPC01', 'the service name must be 1..255 printable ASCII bytes');
  if (body.length === 0) throw malformed('MDPC01', 'a body of at least one frame is required');
  return { type: 'request', service: service.toString('latin1'), body };
}

/** Parses a v0.1 worker-protocol message in either direction, starting at the empty delimiter. Throws MALFORMED_MESSAGE. */
export function parseWorkerV1(frames: readonly Buffer[]): WorkerFrameV1 {
  const [cmd, ...rest] = delimited(frames, 'MDPW01', MDPW01);
  if (cmd === undefined || cmd.length !== 1) throw malformed('MDPW01', 'the command frame must be one byte');
  const code = cmd[0] as number;
  switch (code) {
    case WORKER_V1.READY: {
      const [service, ...extra] = rest;
      if (service === undefined || !isPrintable(service) || extra.length !== 0) throw malformed('MDPW01', 'READY has exactly one printable service frame');
      return { type: 'ready', service: service.toString('latin1') };
    }
    case WORKER_V1.REQUEST:
    case WORKER_V1.REPLY: {
      const [client, empty, ...body] = rest;
      if (client === undefined || client.length === 0) throw malformed('MDPW01', 'missing the client address frame');
      if (empty === undefined || empty.length !== 0) throw malformed('MDPW01', 'the client address must be followed by an empty frame');
      if (body.length === 0) throw malformed('MDPW01', 'a body of at least one frame is required');
      return { type: code === WORKER_V1.REQUEST ? 'request' : 'reply', client, body };
    }
    case WORKER_V1.HEARTBEAT:
    case WORKER_V1.DISCONNECT:
      if (rest.length !== 0) throw malformed('MDPW01', 'HEARTBEAT and DISCONNECT have no further frames');
      return { type: code === WORKER_V1.HEARTBEAT ? 'heartbeat' : 'disconnect' };
    default:
      throw malformed('MDPW01', `unknown command 0x${code.toString(16).padStart(2, '0')}`);
  }
}
