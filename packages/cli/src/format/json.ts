/**
 * JSON for `--json`: one document per run, pretty-printed, ending in a newline. Binary values (a Buffer payload)
 * become `{ "$base64": "..." }` rather than Node's `{ type: 'Buffer', data: [...] }`, and bigint becomes a string.
 */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, replacer, 2)}\n`;
}

function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  if (raw instanceof Uint8Array) return { $base64: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') };
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** A payload as one line of JSON for human output (binary payloads as `<N bytes>`). */
export function payloadText(payload: unknown): string {
  if (payload === undefined) return '(no payload)';
  if (payload instanceof Uint8Array) return `<${payload.byteLength} bytes: ${Buffer.from(payload).toString('base64')}>`;
  return JSON.stringify(payload, replacer);
}
