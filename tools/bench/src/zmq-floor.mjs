// The floor under any durable publisher with one outbox record per delivery: classic-level alone doing the
// publisher's outbox work (put fsync'd in groups, then delete relaxed once "acked"), no network, no Resolute code.
//
// Why it is in the zmq bench: the target is a ratio to raw zeromq.js, and on a 2-core machine msgs/s is
// bounded by 2 cores / (CPU µs per message). The wire with batched acks (the raw "ack per ≤100" case) plus this
// floor is about the least a fsync-durable bus with per-delivery outbox records can spend before its envelope, the
// subscriber's writes and its own logic; the bench prints it beside the CPU budget the target allows, measured in
// the same run, so the gap reads as what is left for those.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ClassicLevel } from 'classic-level';

/** Messages per fsync'd outbox write: about what the bus's group commit reaches in the bench (see msgs/fsync pub). */
export const FLOOR_GROUP = 256;

/**
 * `n` outbox records of `valueBytes` each: put in groups of FLOOR_GROUP with sync, each group deleted (no sync) after
 * the next group's put, as the relay deletes acked deliveries while new ones are written. Returns msgs/s and CPU µs
 * per message of this process (all threads, so LevelDB's compaction thread counts).
 */
export async function outboxFloor({ valueBytes, n }) {
  const dir = mkdtempSync(join(tmpdir(), 'resolute-bench-floor-'));
  const db = new ClassicLevel(join(dir, 'db'), { keyEncoding: 'utf8', valueEncoding: 'buffer' });
  try {
    await db.open();
    const value = Buffer.alloc(valueBytes, 0x61);
    const keys = Array.from({ length: n }, (_, i) => `outbox\u0000${String(i).padStart(26, '0')}\u0000subscriber`);
    const cpu = process.cpuUsage();
    const started = performance.now();
    let acked = [];
    for (let i = 0; i < n; i += FLOOR_GROUP) {
      const group = keys.slice(i, i + FLOOR_GROUP);
      await write(db, group, value, true);
      if (acked.length > 0) await write(db, acked, undefined, false);
      acked = group;
    }
    await write(db, acked, undefined, false);
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return { rate: (n / ms) * 1000, cpuPerMsg: (used.user + used.system) / n };
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Puts (value given) or deletes `keys` in one chained batch: classic-level's cheapest path, the one LevelStore takes. */
async function write(db, keys, value, sync) {
  const batch = db.batch();
  for (const key of keys) {
    if (value === undefined) batch.del(key);
    else batch.put(key, value);
  }
  await batch.write({ sync });
}
