import { errorFromSerialized, ResoluteError, serializeError, type SerializedError } from '@resolute/core';

/*
 * MDP carries opaque bodies and has no error command. A Resolute worker that rejects a request sends a FINAL whose body
 * is exactly two frames: the marker below and the error as JSON ({ name, code, message, retryable }). A Resolute
 * client turns that into a REMOTE_ERROR; any other MDP client just sees a two-frame body.
 */
export const ERROR_MARKER = Buffer.from('\u0000resolute-error');

export function encodeErrorBody(error: unknown): Buffer[] {
  return [ERROR_MARKER, Buffer.from(JSON.stringify(serializeError(error)))];
}

/** The error a FINAL body carries, or undefined when it is an ordinary reply. */
export function decodeErrorBody(body: readonly Buffer[], context: string): ResoluteError | undefined {
  if (body.length !== 2 || !body[0]?.equals(ERROR_MARKER)) return undefined;
  try {
    return errorFromSerialized(JSON.parse((body[1] as Buffer).toString('utf8')) as SerializedError, context);
  } catch (cause) {
    return new ResoluteError('MALFORMED_MESSAGE', `${context}: the worker's error could not be read`, { cause, retryable: false });
  }
}

export type Body = Buffer | string | readonly (Buffer | string)[];

/** A body as frames: strings as UTF-8. An empty list becomes one empty frame (MDP bodies have at least one frame). */
export function toFrames(body: Body): Buffer[] {
  const parts = typeof body === 'string' || Buffer.isBuffer(body) ? [body] : body;
  const frames = parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : part));
  return frames.length > 0 ? frames : [Buffer.alloc(0)];
}
