import { idFloor } from '../ids.js';
import type { Logger } from '../logger.js';
import { delOp, NAMESPACES, putOp, type Store, type StoreOperation } from '../store.js';

/*
 * Handled message ids are kept for a retention window so a redelivery (the sender never saw our ack) does not run
 * handlers twice. Two namespaces: `dedupe` (id -> handled time) answers "seen?", and `dedupe-expiry`
 * (<handled time><id>) lets the sweep delete the oldest without reading everything. The window counts from when the
 * message was handled, not from when it was created: a message that waited two days in an outbox is still deduped
 * for the full window after it arrives.
 */
export const DEDUPE_EXPIRY = 'dedupe-expiry';
const TIME_PREFIX = 10;

/** The handled-time value and key prefix of the last millisecond asked for: a batch handled together shares them. */
let last = { at: -1, value: Buffer.alloc(0), prefix: '' };

export function dedupeOps(id: string, handledAt: number): StoreOperation[] {
  // Shared between operations: stores copy values (or are done with them) before batch() resolves, and never write
  // into them.
  if (last.at !== handledAt) last = { at: handledAt, value: Buffer.from(String(handledAt)), prefix: idFloor(handledAt).slice(0, TIME_PREFIX) };
  return [putOp(NAMESPACES.dedupe, id, last.value), putOp(DEDUPE_EXPIRY, last.prefix + id, Buffer.from(id))];
}

/** Deletes ids handled before `now - retentionMs`, in chunks; returns how many went. */
export async function sweepDedupe(store: Store, retentionMs: number, now: number = Date.now(), chunk = 1000): Promise<number> {
  const bound = idFloor(now - retentionMs).slice(0, TIME_PREFIX);
  let removed = 0;
  for (;;) {
    const operations: StoreOperation[] = [];
    for await (const entry of store.entries(DEDUPE_EXPIRY, { lt: bound, limit: chunk })) {
      operations.push(delOp(DEDUPE_EXPIRY, entry.key), delOp(NAMESPACES.dedupe, entry.value.toString()));
    }
    if (operations.length === 0) return removed;
    await store.batch(operations);
    removed += operations.length / 2;
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
