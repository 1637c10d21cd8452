import type { BusEvents } from './bus-events.js';

export interface BusCounters {
  published: number;
  delivered: number;
  sendFailures: number;
  received: number;
  duplicates: number;
  handled: number;
  retries: number;
  dead: number;
  unrouted: number;
  corrupt: number;
  expired: number;
}

export interface BusStats extends BusCounters {
  outboxInMemory: number;
  inboxInMemory: number;
  pendingRequests: number;
}

/** Counts the bus's own events since start. */
export class BusStatsCollector {
  private readonly counters: BusCounters = {
    published: 0,
    delivered: 0,
    sendFailures: 0,
    received: 0,
    duplicates: 0,
    handled: 0,
    retries: 0,
    dead: 0,
    unrouted: 0,
    corrupt: 0,
    expired: 0,
  };

  constructor(events: BusEvents) {
    const count = (field: keyof BusCounters) => () => void this.counters[field]++;
    events.on('published', count('published'));
    events.on('delivered', count('delivered'));
    events.on('send-failed', count('sendFailures'));
    events.on('received', count('received'));
    events.on('duplicate', count('duplicates'));
    events.on('handled', count('handled'));
    events.on('retry', count('retries'));
    events.on('dead', count('dead'));
    events.on('unrouted', count('unrouted'));
    events.on('corrupt', count('corrupt'));
    events.on('expired', count('expired'));
  }

  snapshot(gauges: Pick<BusStats, 'outboxInMemory' | 'inboxInMemory' | 'pendingRequests'>): BusStats {
    return { ...this.counters, ...gauges };
  }
}
