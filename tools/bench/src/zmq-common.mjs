// What both processes of the zmq bench agree on.
import { performance } from 'node:perf_hooks';

export const TOPIC = 'bench.tick';

/** Milliseconds since the epoch with sub-millisecond precision, comparable across processes of one machine. */
export const wallNow = () => performance.timeOrigin + performance.now();

/** High-water mark of the raw sockets, the same as zmq-peer's default `sendHighWaterMark`. */
export const RAW_HWM = 10_000;
