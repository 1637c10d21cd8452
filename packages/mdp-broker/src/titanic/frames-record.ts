import { ResoluteError } from '@resolute/core';

/*
 * Several frames in one store value: a u32 frame count, then for each frame a u32 length and its bytes (big-endian).
 * Frames keep their boundaries and bytes exactly, empty frames included.
 */

export function packFrames(frames: readonly Buffer[]): Buffer {
  const size = 4 + frames.reduce((sum, frame) => sum + 4 + frame.length, 0);
  const out = Buffer.allocUnsafe(size);
  let at = out.writeUInt32BE(frames.length, 0);
  for (const frame of frames) {
    at = out.writeUInt32BE(frame.length, at);
    at += frame.copy(out, at);
  }
  return out;
}

/** Reads what packFrames wrote; STORE_CORRUPT (naming `what`) when the value is cut short or too long. */
export function unpackFrames(value: Buffer, what: string): Buffer[] {
  const corrupt = (): ResoluteError =>
    new ResoluteError('STORE_CORRUPT', `${what}: the stored frames are damaged: close this request (titanic.close) and send it again`, { retryable: false });
  if (value.length < 4) throw corrupt();
  const count = value.readUInt32BE(0);
  const frames: Buffer[] = [];
  let at = 4;
  for (let i = 0; i < count; i += 1) {
    if (at + 4 > value.length) throw corrupt();
    const length = value.readUInt32BE(at);
    at += 4;
    if (at + length > value.length) throw corrupt();
    frames.push(Buffer.from(value.subarray(at, at + length)));
    at += length;
  }
  if (at !== value.length) throw corrupt();
  return frames;
}
