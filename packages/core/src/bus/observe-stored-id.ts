import { idTime, MAX_OBSERVED_AHEAD_MS, observeId } from '../ids.js';
import type { Logger } from '../logger.js';
import type { BusEvents } from './bus-events.js';

/** Seeds the id generator from an id found in the store at start, and says so when the id is too far ahead to follow. */
export function observeStoredId(id: string, namespace: string, logger: Logger, events: BusEvents): void {
  if (observeId(id)) return;
  const message = 'a stored id is dated far ahead of this clock: new ids do not follow it (check the clock of the peer that made it, or of this host)';
  logger.warn({ id, namespace, aheadMs: idTime(id) - Date.now(), limitMs: MAX_OBSERVED_AHEAD_MS }, message);
  events.emit('warning', { message: `${message}: ${namespace}/${id}` });
}
