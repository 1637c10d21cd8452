import { ResoluteError } from '@resolute/core';
import { isPrintable } from '../protocol/malformed.js';
import { isMmi } from '../protocol/mmi.js';
import { isTitanicService } from '../titanic/titanic-protocol.js';

/*
 * How the MDP transport uses MDP. A bus endpoint is an MDP service of the same name. Sending a batch to it is one
 * MDP request whose body is the batch marker and then one frame per encoded envelope; the receiving endpoint's worker
 * answers with a FINAL of two frames, the acknowledgement marker and the message count, once its bus has stored the
 * whole batch in its inbox. A receiver that could not store it answers in the error convention (error-frames.ts).
 *
 *   REQUEST body  ["\0resolute-batch", envelope, envelope, ...]
 *   FINAL body    ["\0resolute-ack", "<count>"]
 */
export const BATCH_MARKER = Buffer.from('\u0000resolute-batch');
export const ACK_MARKER = Buffer.from('\u0000resolute-ack');

export function encodeBatch(messages: readonly Buffer[]): Buffer[] {
  return [BATCH_MARKER, ...messages];
}

/** The envelopes of a batch request; MALFORMED_MESSAGE when the body is not one (another program calling the service). */
export function parseBatch(body: readonly Buffer[]): Buffer[] {
  const [marker, ...messages] = body;
  if (!marker?.equals(BATCH_MARKER) || messages.length === 0) {
    throw new ResoluteError('MALFORMED_MESSAGE', 'mdp-broker transport: this service takes Resolute message batches only', { retryable: false });
  }
  return messages;
}

export function encodeAck(count: number): Buffer[] {
  return [ACK_MARKER, Buffer.from(String(count))];
}

/** True when `body` acknowledges exactly `count` messages. */
export function isAck(body: readonly Buffer[], count: number): boolean {
  return body.length === 2 && body[0]?.equals(ACK_MARKER) === true && body[1]?.toString('latin1') === String(count);
}

/** Why `name` cannot be an endpoint's MDP service name, or undefined when it can. */
export function serviceNameProblem(name: string): string | undefined {
  if (!isPrintable(Buffer.from(name))) return 'MDP service names are 1..255 printable ASCII characters';
  if (isMmi(name) || isTitanicService(name)) return 'mmi.* and titanic.* names belong to the broker and Titanic';
  return undefined;
}
