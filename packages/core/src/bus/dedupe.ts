import { idFloor } from '../ids.js';
import type { Logger } from '../logger.js';
import { delOp, NAMESPACES, putOp, type Store, type StoreOperation } from '../store.js';

/*
 * Handled message ids are kept for a retention window so a redelivery (the sender never saw our ack) does not run
 * handlers twice. Two namespaces: `dedupe` (id -> handled time) answers "seen?", and `dedupe-expiry`
 * (<handled time><first id> -> the ids, one per line) lets the sweep delete the oldest without reading everything.
 * The window counts from when the message was handled, not from when it was created: a message that waited two days
 * in an outbox is still deduped for the full window after it arrives.
 *
 * Ids handled together (a received batch with `inbox.ack: 'handled'`) share one expiry record: one write per batch
 * instead of one per message, which halves what the happy path writes per message. A single id's record holds just
 * that id (the layout before records were shared, which the CLI's replay relies on for dead letters).
 */
export const DEDUPE_EXPIRY = 'dedupe-expiry';
const TIME_PREFIX = 10;
/** Separates the ids of a shared expiry record; an id containing it gets a record of its own. */
const SEPARATOR = '\n';

/** The handled-time value and key prefix of the last millisecond asked for: a batch handled together shares them. */
let last = { at: -1, value: Buffer.alloc(0), prefix: '' };

/** The operations that record `ids` as handled at `handledAt`: a dedupe entry each, and their expiry record(s). */
export function dedupeOps(ids: readonly string[], handledAt: number): StoreOperation[] {
  // Shared between operations: stores copy values (or are done with them) before batch() resolves, and never write
  // into them.
  if (last.at !== handledAt) last = { at: handledAt, value: Buffer.from(String(handledAt)), prefix: idFloor(handledAt).slice(0, TIME_PREFIX) };
  const { value, prefix } = last;
  const operations: StoreOperation[] = [];
  const shared: string[] = [];
  for (const id of ids) {
    operations.push(putOp(NAMESPACES.dedupe, id, value));
    if (ids.length > 1 && !id.includes(SEPARATOR)) shared.push(id);
    else operations.push(putOp(DEDUPE_EXPIRY, prefix + id, Buffer.from(id)));
  }
  if (shared.length > 0) operations.push(putOp(DEDUPE_EXPIRY, prefix + shared[0]!, Buffer.from(shared.join(SEPARATOR))));
  return operations;
}

/**
 * Deletes ids handled before `now - retentionMs`, about `chunk` at a time (a shared expiry record is never split);
 * returns how many went.
 */
export async function sweepDedupe(store: Store, retentionMs: number, now: number = Date.now(), chunk = 1000): Promise<number> {
  const bound = idFloor(now - retentionMs).slice(0, TIME_PREFIX);
  let removed = 0;
  for (;;) {
    const operations: StoreOperation[] = [];
    let ids = 0;
    for await (const entry of store.entries(DEDUPE_EXPIRY, { lt: bound, limit: chunk })) {
      operations.push(delOp(DEDUPE_EXPIRY, entry.key));
      const text = entry.value.toString();
      // A single id's record is keyed by that very id (which may hold the separator); a shared one by its first id.
      for (const id of entry.key.slice(TIME_PREFIX) === text ? [text] : text.split(SEPARATOR)) {
        operations.push(delOp(NAMESPACES.dedupe, id));
        ids++;
      }
      if (ids >= chunk) break;
    }
    if (operations.length === 0) return removed;
    await store.batch(operations);
    removed += ids;
  }
}

/** Runs the sweep every `intervalMs` until stopped. */
export function startDedupeSweeper(store: Store, retentionMs: number, intervalMs: number, logger: Logger): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = sweepDedupe(store, retentionMs).catch((error: unknown) => logger.warn({ err: error }, 'dedupe sweep failed: will try again'));
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
