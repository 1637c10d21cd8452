import { delOp, putOp, type Store } from '@resolute/core';
import { packFrames, unpackFrames } from './frames-record.js';

/**
 * Titanic's namespaces in a core Store, all keyed by the request's UUID (32 lowercase hex digits, time-ordered):
 * - `titanic.requests`: the request as frames [service, body...], until titanic.close;
 * - `titanic.pending`: an empty marker while no reply is stored; the dispatcher's work list, read again at start;
 * - `titanic.replies`: the target service's FINAL reply frames, until titanic.close.
 */
export const TITANIC_NAMESPACES = { requests: 'titanic.requests', pending: 'titanic.pending', replies: 'titanic.replies' } as const;

export interface StoredRequest {
  readonly service: string;
  readonly body: Buffer[];
}

const MARKER = new Uint8Array(0);

/** Titanic's reads and writes. Every write is one atomic batch with 'sync' durability: a status sent is on disk. */
export class TitanicStore {
  constructor(readonly store: Store) {}

  /** Stores a new request and marks it pending. */
  addRequest(id: string, service: string, body: readonly Buffer[]): Promise<void> {
    const record = packFrames([Buffer.from(service), ...body]);
    return this.store.batch([putOp(TITANIC_NAMESPACES.requests, id, record), putOp(TITANIC_NAMESPACES.pending, id, MARKER)]);
  }

  async request(id: string): Promise<StoredRequest | undefined> {
    const value = await this.store.get(TITANIC_NAMESPACES.requests, id);
    if (value === undefined) return undefined;
    const [service, ...body] = unpackFrames(value, `titanic request ${id}`);
    return { service: service?.toString('latin1') ?? '', body };
  }

  async reply(id: string): Promise<Buffer[] | undefined> {
    const value = await this.store.get(TITANIC_NAMESPACES.replies, id);
    return value === undefined ? undefined : unpackFrames(value, `titanic reply ${id}`);
  }

  async hasRequest(id: string): Promise<boolean> {
    return (await this.store.get(TITANIC_NAMESPACES.requests, id)) !== undefined;
  }

  /** Stores the reply and clears the pending marker together. */
  addReply(id: string, body: readonly Buffer[]): Promise<void> {
    return this.store.batch([putOp(TITANIC_NAMESPACES.replies, id, packFrames(body)), delOp(TITANIC_NAMESPACES.pending, id)]);
  }

  /** Forgets a request, its reply and its pending marker (titanic.close). Removing an unknown id is fine. */
  remove(id: string): Promise<void> {
    return this.store.batch([
      delOp(TITANIC_NAMESPACES.requests, id),
      delOp(TITANIC_NAMESPACES.pending, id),
      delOp(TITANIC_NAMESPACES.replies, id),
    ]);
  }

  /** Ids still waiting for a reply, oldest first. */
  async *pendingIds(): AsyncIterable<string> {
    for await (const entry of this.store.entries(TITANIC_NAMESPACES.pending)) yield entry.key;
  }
}
