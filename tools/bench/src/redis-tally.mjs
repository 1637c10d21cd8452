// What the consuming process of the redis bench counts in one run: which of seq 0..n-1 ran, each one's latency from
// the producer's timestamp, redeliveries, and when every run has also been settled (acked or completed), so that the
// CPU marks after 'done' cover the whole bookkeeping. It reports progress to the producer, which keeps its window.
import { percentile } from './format.mjs';
import { PROGRESS_STEP, wallNow } from './redis-common.mjs';

export class Tally {
  /** `reply` sends a message to the producer (process.send); `extra()` adds the session's own figures to 'done'. */
  constructor({ n, run, reply, extra = () => ({}) }) {
    this.n = n;
    this.run = run;
    this.reply = reply;
    this.extra = extra;
    this.latencies = new Float64Array(n);
    this.seen = new Uint8Array(n);
    this.unique = 0;
    this.runs = 0;
    this.settled = 0;
    this.duplicates = 0;
    this.lastAt = 0;
    this.progressSent = 0;
    this.progressScheduled = false;
    this.reported = false;
  }

  /** A handler ran for `seq`, which the producer stamped at `ts` (its wallNow()). */
  handled(seq, ts) {
    this.runs++;
    if (this.seen[seq] === 1) {
      this.duplicates++;
      return;
    }
    const at = wallNow();
    this.seen[seq] = 1;
    this.latencies[seq] = at - ts;
    this.unique++;
    if (this.unique === this.n) this.lastAt = at;
    // At most once per event-loop turn and every PROGRESS_STEP: IPC is not free (reporting every turn cost the zmq
    // bench's receiver ~5% of its time), and the producer's window is then about WINDOW + PROGRESS_STEP.
    if (!this.progressScheduled && (this.unique - this.progressSent >= PROGRESS_STEP || this.unique === this.n)) {
      this.progressScheduled = true;
      setImmediate(() => {
        this.progressScheduled = false;
        this.progressSent = this.unique;
        this.reply({ type: 'progress', run: this.run, handled: this.unique });
      });
    }
  }

  /** `count` handler runs have been settled with the server (XACK, job completed, inbox entry done). */
  settle(count = 1) {
    this.settled += count;
    if (this.reported || this.unique < this.n || this.settled < this.runs) return;
    this.reported = true;
    this.reply({
      type: 'done',
      lastAt: this.lastAt,
      p50: percentile(this.latencies, 0.5),
      p99: percentile(this.latencies, 0.99),
      duplicates: this.duplicates,
      ...this.extra(),
    });
  }
}
