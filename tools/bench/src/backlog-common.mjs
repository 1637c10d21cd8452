// What the backlog bench's processes agree on.

export const BACKLOG_TOPIC = 'backlog.tick';

/** How often each child reports its figures, and the parent samples the publisher's RSS. */
export const STATS_INTERVAL_MS = 250;

/**
 * The publisher's bus options: the defaults, except that a failing destination is retried at least every second
 * (default cap 30 s). With the subscriber down for the whole publish phase the lane sits at that cap, so with the
 * default the drain would start up to ~36 s after the subscriber returns: a measure of the backoff, not the drain.
 */
export const PUBLISHER_OPTIONS = { outbox: { retry: { maxDelayMs: 1_000 } } };
