import { MESSAGE_FIELD } from './stream-names.js';

/** One stream entry as read: its id and the message bytes, or no bytes when the entry was deleted meanwhile. */
export interface StreamEntry {
  readonly id: string;
  readonly bytes: Buffer | undefined;
}

function toText(value: unknown): string {
  return Buffer.isBuffer(value) ? value.toString('latin1') : String(value);
}

function toEntry(raw: unknown): StreamEntry | undefined {
  if (!Array.isArray(raw) || raw.length < 1) return undefined;
  const [id, fields] = raw as [unknown, unknown];
  let bytes: Buffer | undefined;
  if (Array.isArray(fields)) {
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (toText(fields[i]) === MESSAGE_FIELD) {
        const value: unknown = fields[i + 1];
        bytes = Buffer.isBuffer(value) ? value : Buffer.from(String(value));
      }
    }
  }
  return { id: toText(id), bytes };
}

/** XREADGROUP's reply (read with callBuffer) for one stream: `[[key, [[id, [field, value, ...]] | [id, nil], ...]]]` or nil. */
export function parseReadReply(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const perStream = reply[0] as unknown;
  if (!Array.isArray(perStream) || !Array.isArray(perStream[1])) return [];
  return (perStream[1] as unknown[]).map(toEntry).filter((e): e is StreamEntry => e !== undefined);
}

/**
 * XAUTOCLAIM's reply: `[next cursor, [entries], [ids deleted meanwhile]]`. The deleted ids need nothing from us: Redis
 * (>= 7) has already dropped them from the pending list.
 */
export function parseClaimReply(reply: unknown): { cursor: string; entries: StreamEntry[] } {
  if (!Array.isArray(reply) || reply.length < 2) return { cursor: '0-0', entries: [] };
  const cursor = toText(reply[0]);
  const entries = Array.isArray(reply[1]) ? (reply[1] as unknown[]).map(toEntry).filter((e): e is StreamEntry => e !== undefined) : [];
  return { cursor, entries };
}
