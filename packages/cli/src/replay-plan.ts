import { DEDUPE_EXPIRY, delOp, idFloor, NAMESPACES, outboxKey, packRecord, putOp, unpackRecord, type InboxMeta, type Store, type StoreOperation } from '@resolute/core';
import type { AnyDeadMeta } from './store-messages.js';

/*
 * How a dead letter goes back for another try. Both sides are written so the service simply finds the message where
 * its own pipeline would have left it, and each message moves in one atomic batch (never lost, never in two places):
 *
 * inbox side (handlers gave up; no `destination` in the meta):
 *   del dead/<id>, put inbox/<id> = record({ attempts: 0, notBefore: 0, done, receivedAt, lastError, replayedAt }),
 *   del dedupe/<id> and its dedupe-expiry/<10-char handled-time prefix><id>.
 *   `done` is kept, so handlers that already succeeded do not run again. The dedupe entry (written when the message
 *   died) goes, so the retention sweep cannot later delete the fresh entry written when the replay completes, and
 *   a redelivery of the same id is not absorbed before the replay ran.
 * outbox side (the relay could not send it; meta.destination is the destination key):
 *   del dead/<id>, put outbox/<destination>\0<id> = the envelope bytes exactly as they were.
 */
const TIME_PREFIX = 10;

export type ReplaySide = 'inbox' | 'outbox';

export interface ReplayItem {
  id: string;
  side: ReplaySide;
  /** Outbox side: the destination key. */
  destination?: string;
  operations: StoreOperation[];
}

/** Builds the operations that move one dead letter back; `now` is stamped as replayedAt. Throws STORE_CORRUPT on a bad record. */
export function planReplay(id: string, value: Buffer, now: number): ReplayItem {
  const { meta, bytes } = unpackRecord<AnyDeadMeta>(value);
  if (typeof meta.destination === 'string' && meta.destination !== '') {
    return {
      id,
      side: 'outbox',
      destination: meta.destination,
      operations: [delOp(NAMESPACES.dead, id), putOp(NAMESPACES.outbox, outboxKey(meta.destination, id), bytes)],
    };
  }
  const inbox: InboxMeta & { replayedAt: number } = {
    attempts: 0,
    done: Array.isArray(meta.done) ? meta.done : [],
    notBefore: 0,
    receivedAt: typeof meta.receivedAt === 'number' ? meta.receivedAt : now,
    ...(meta.error === undefined ? {} : { lastError: { code: meta.error.code, message: meta.error.message } }),
    replayedAt: now,
  };
  return { id, side: 'inbox', operations: [delOp(NAMESPACES.dead, id), putOp(NAMESPACES.inbox, id, packRecord(inbox, bytes)), delOp(NAMESPACES.dedupe, id)] };
}

/**
 * The dedupe-expiry keys of these ids. The dedupe value is the handled time, which gives the key directly; an id
 * whose key is not where expected (a value from another writer, a clock edit) is found by one scan for value == id.
 */
export async function dedupeExpiryKeys(store: Store, ids: readonly string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const missing = new Set<string>();
  for (const id of ids) {
    const handled = (await store.get(NAMESPACES.dedupe, id))?.toString('utf8');
    const at = handled !== undefined && /^\d+$/.test(handled) ? Number(handled) : undefined;
    const key = at === undefined ? undefined : idFloor(at).slice(0, TIME_PREFIX) + id;
    if (key !== undefined && (await store.get(DEDUPE_EXPIRY, key))?.toString('utf8') === id) found.set(id, key);
    else missing.add(id);
  }
  if (missing.size > 0) {
    for await (const { key, value } of store.entries(DEDUPE_EXPIRY)) {
      const id = value.toString('utf8');
      if (missing.has(id)) found.set(id, key);
    }
  }
  return found;
}
