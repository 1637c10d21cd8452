import { ResoluteError } from '@resolute/core';

/** A message that is not any MDP command: a peer that sends it is broken or foreign. Dropped, never answered. */
export function malformed(protocol: string, why: string): ResoluteError {
  return new ResoluteError('MALFORMED_MESSAGE', `not a valid ${protocol} message: ${why}`, { retryable: false });
}

/** A well-formed command that breaks the dialog (REQUEST from a worker, a second READY...): the broker disconnects. */
export function protocolError(protocol: string, why: string): ResoluteError {
  return new ResoluteError('PROTOCOL_ERROR', `${protocol} protocol error: ${why}`, { retryable: false });
}

export function isPrintable(frame: Buffer): boolean {
  if (frame.length === 0 || frame.length > 255) return false;
  for (const byte of frame) if (byte < 0x20 || byte > 0x7e) return false;
  return true;
}

export const EMPTY = Buffer.alloc(0);
