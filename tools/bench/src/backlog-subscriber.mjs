// The subscribing side of the backlog bench, in its own process (forked by backlog-bench.mjs, twice: once for the
// handshake, once to drain the backlog): a bus on zmq-peer + LevelStore in `dir`, bound to the fixed `bind` address
// (the publisher stored it as the subscriber's address), subscribed to the topic `from` the publisher.
//
// Child -> parent: 'ready', 'primed' (the publisher's probe was handled), 'progress' every STATS_INTERVAL_MS,
// 'done' once every seq 0..n-1 has been handled, 'error'. SIGTERM closes the bus (a clean stop) and exits.
import { performance } from 'node:perf_hooks';
import { createBus } from '@resolute/core';
import { LevelStore } from '@resolute/level-store';
import { ZmqPeerTransport } from '@resolute/zmq-peer';
import { BACKLOG_TOPIC, STATS_INTERVAL_MS } from './backlog-common.mjs';

const [dir, bind, publisher, nText] = process.argv.slice(2);
const n = Number(nText);
/** To the parent, unless it is gone (then nobody is listening, and there is nothing to report to). */
const reply = (message) => void (process.connected && process.send(message));
const wallNow = () => performance.timeOrigin + performance.now();

const bus = await createBus({ name: 'backlog-sub', transport: new ZmqPeerTransport({ bind }), store: new LevelStore({ path: dir }) });
const seen = new Uint8Array(n);
let unique = 0;
let duplicates = 0; // handler runs for a seq already handled
let dropped = 0; // copies the inbox recognised and dropped before any handler ran
let firstAt;
let primed = false;
bus.on('duplicate', () => void dropped++);
await bus.subscribe(
  BACKLOG_TOPIC,
  ({ seq }) => {
    if (seq < 0) {
      if (!primed) reply({ type: 'primed' });
      primed = true;
      return;
    }
    if (seen[seq] === 1) {
      duplicates++;
      return;
    }
    seen[seq] = 1;
    firstAt ??= wallNow();
    if (++unique === n) reply({ type: 'done', firstAt, lastAt: wallNow(), unique, duplicates, dropped });
  },
  { from: publisher },
);

const progress = setInterval(() => reply({ type: 'progress', unique, duplicates, dropped, rss: process.memoryUsage().rss }), STATS_INTERVAL_MS);
let stopping;
const stop = () => {
  stopping ??= (async () => {
    clearInterval(progress);
    await bus.close();
    // The final counts (duplicates that came after the last new seq included), sent before exiting: process.exit()
    // right after process.send() could drop the message.
    const final = { type: 'progress', unique, duplicates, dropped, rss: process.memoryUsage().rss };
    if (process.connected) process.send(final, () => process.exit(0));
    else process.exit(0);
  })();
};
process.once('SIGTERM', stop);
process.on('disconnect', stop);
reply({ type: 'ready' });
