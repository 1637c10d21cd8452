import type { Logger } from '@resolute/core';
import { isPrintable } from '../protocol/malformed.js';
import { isMmi } from '../protocol/mmi.js';
import { isTitanicService, newTitanicId, statusFrame, titanicKey, TSP_STATUS } from './titanic-protocol.js';
import type { TitanicStore } from './titanic-store.js';

export interface TitanicServiceContext {
  readonly store: TitanicStore;
  readonly logger: Logger;
  /** A request was stored: the dispatcher takes it. */
  stored(id: string): void;
  /** A request was closed: the dispatcher drops it. */
  closed(id: string): void;
}

export interface TitanicCounters {
  requestsStored: number;
  repliesServed: number;
  closed: number;
  /** Requests answered 400 (bad layout, bad UUID) or 500 (the store failed). */
  refused: number;
}

const storeFailed = (context: TitanicServiceContext, counters: TitanicCounters, error: unknown, what: string): Buffer[] => {
  counters.refused += 1;
  context.logger.error({ err: error }, `titanic: ${what} failed in the store`);
  return [statusFrame(TSP_STATUS.error, 'the store failed: try again later')];
};

/** titanic.request [service, body...]: stores the request (fsync'd) before answering 200 with its UUID. */
export async function titanicRequest(context: TitanicServiceContext, counters: TitanicCounters, frames: readonly Buffer[]): Promise<Buffer[]> {
  const [serviceFrame, ...body] = frames;
  const service = serviceFrame?.toString('latin1') ?? '';
  if (serviceFrame === undefined || !isPrintable(serviceFrame) || body.length === 0) {
    counters.refused += 1;
    return [statusFrame(TSP_STATUS.unknown, 'expected a service name frame (printable ASCII) and at least one body frame')];
  }
  if (isTitanicService(service) || isMmi(service)) {
    counters.refused += 1;
    return [statusFrame(TSP_STATUS.unknown, 'titanic.* and mmi.* services cannot be called through Titanic')];
  }
  const id = newTitanicId();
  try {
    await context.store.addRequest(id, service, body);
  } catch (error) {
    return storeFailed(context, counters, error, 'storing a request');
  }
  counters.requestsStored += 1;
  context.stored(id);
  return [statusFrame(TSP_STATUS.ok), Buffer.from(id)];
}

/** titanic.reply [uuid]: 200 and the stored reply, 300 while it is pending, 400 for an unknown or closed UUID. */
export async function titanicReply(context: TitanicServiceContext, counters: TitanicCounters, frames: readonly Buffer[]): Promise<Buffer[]> {
  const id = frames.length === 1 ? titanicKey(frames[0]) : undefined;
  if (id === undefined) {
    counters.refused += 1;
    return [statusFrame(TSP_STATUS.unknown, 'expected one frame: a UUID of 32 hex digits')];
  }
  try {
    const reply = await context.store.reply(id);
    if (reply !== undefined) {
      counters.repliesServed += 1;
      return [statusFrame(TSP_STATUS.ok), ...reply];
    }
    return [statusFrame((await context.store.hasRequest(id)) ? TSP_STATUS.pending : TSP_STATUS.unknown)];
  } catch (error) {
    return storeFailed(context, counters, error, 'reading a reply');
  }
}

/** titanic.close [uuid]: deletes the request and its reply; 200 for an unknown UUID too (idempotent). */
export async function titanicClose(context: TitanicServiceContext, counters: TitanicCounters, frames: readonly Buffer[]): Promise<Buffer[]> {
  const id = frames.length === 1 ? titanicKey(frames[0]) : undefined;
  if (id === undefined) {
    counters.refused += 1;
    return [statusFrame(TSP_STATUS.unknown, 'expected one frame: a UUID of 32 hex digits')];
  }
  // Cancel first, then delete: a reply the dispatcher is storing right now is written before this delete.
  context.closed(id);
  try {
    await context.store.remove(id);
  } catch (error) {
    return storeFailed(context, counters, error, 'closing a request');
  }
  counters.closed += 1;
  return [statusFrame(TSP_STATUS.ok)];
}
