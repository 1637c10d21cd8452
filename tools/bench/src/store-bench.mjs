// The store bench: LevelStore's durable writes via group commit beside raw classic-level, in one run.
//
//   node tools/bench/src/main.mjs store [--quick]
//
// Every case makes durable writes (fsync'd before they count) of 100-byte values into a fresh directory on the
// OS temp dir's disk. After a warm-up, the cases run in 3 rounds, alternating, and the table shows each case's median.
// "ops per fsync" is operations per durable write: how many messages share one disk flush.
import { closeSync, fdatasyncSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LevelStore } from '@resolute/level-store';
import { ClassicLevel } from 'classic-level';
import { formatTable, median } from './format.mjs';

const VALUE = Buffer.alloc(100, 0x61);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const key = (i) => `k${String(i).padStart(8, '0')}`;

/** Each case: run(dir, n) → { ops, fsyncs } measured between its own start and end marks. */
const CASES = [
  {
    name: 'disk fdatasync (100-byte append)',
    scale: 0.1,
    async run(dir, n) {
      mkdirSync(dir, { recursive: true });
      const fd = openSync(join(dir, 'fsync-probe'), 'a');
      const started = performance.now();
      for (let i = 0; i < n; i++) {
        writeSync(fd, VALUE);
        fdatasyncSync(fd);
      }
      const ms = performance.now() - started;
      closeSync(fd);
      return { ops: n, fsyncs: n, ms };
    },
  },
  {
    name: 'classic-level put(sync), sequential',
    scale: 0.1,
    raw: true,
    async run(dir, n) {
      const db = await openRaw(dir);
      const started = performance.now();
      for (let i = 0; i < n; i++) await db.put(key(i), VALUE, { sync: true });
      const ms = performance.now() - started;
      await db.close();
      return { ops: n, fsyncs: n, ms };
    },
  },
  {
    name: 'classic-level batch(100 puts, sync), sequential',
    scale: 1,
    async run(dir, n) {
      const db = await openRaw(dir);
      const started = performance.now();
      for (let i = 0; i < n; i += 100) {
        const ops = [];
        for (let j = i; j < Math.min(n, i + 100); j++) ops.push({ type: 'put', key: key(j), value: VALUE });
        await db.batch(ops, { sync: true });
      }
      const ms = performance.now() - started;
      await db.close();
      return { ops: n, fsyncs: Math.ceil(n / 100), ms };
    },
  },
  {
    name: 'LevelStore batch(1 put), 1 writer',
    scale: 0.1,
    async run(dir, n) {
      return storeWriters(dir, n, 1);
    },
  },
  {
    name: 'LevelStore batch(1 put), 64 writers (group commit)',
    scale: 1,
    async run(dir, n) {
      return storeWriters(dir, n, 64);
    },
  },
];

async function openRaw(dir) {
  const db = new ClassicLevel(dir, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
  await db.open();
  return db;
}

async function storeWriters(dir, n, writers) {
  const store = new LevelStore({ path: dir });
  await store.open();
  const before = store.stats();
  let next = 0;
  const writer = async () => {
    while (next < n) {
      const i = next++;
      await store.batch([{ type: 'put', namespace: 'outbox', key: key(i), value: VALUE }]);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: writers }, writer));
  const ms = performance.now() - started;
  const after = store.stats();
  await store.close();
  return { ops: n, fsyncs: after.fsyncs - before.fsyncs, ms };
}

async function runCase(testCase, n) {
  const dir = mkdtempSync(join(tmpdir(), 'resolute-bench-'));
  try {
    return await testCase.run(join(dir, 'db'), Math.max(100, Math.round(n * testCase.scale)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the bench and returns the table rows; `print` writes them. */
export async function storeBench({ quick = false, log = console.log } = {}) {
  const n = quick ? 2_000 : 20_000;
  log(`store bench: N=${n} operations per case (sequential-sync cases run N/10), 100-byte values, ${ROUNDS} rounds, median; dir ${tmpdir()}`);
  for (const testCase of CASES) await runCase(testCase, Math.round(n / 10)); // warm-up: disk, page cache, JIT
  const results = new Map(CASES.map((testCase) => [testCase.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order each round so no case always runs on a warmer (or more tired) disk.
    const order = round % 2 === 0 ? CASES : [...CASES].reverse();
    for (const testCase of order) results.get(testCase.name).push(await runCase(testCase, n));
  }
  const rows = CASES.map((testCase) => {
    const runs = results.get(testCase.name);
    const opsPerSec = median(runs.map((run) => (run.ops / run.ms) * 1000));
    const opsPerFsync = median(runs.map((run) => run.ops / run.fsyncs));
    return { name: testCase.name, n: runs[0].ops, opsPerSec, opsPerFsync, raw: testCase.raw === true };
  });
  const baseline = rows.find((row) => row.raw).opsPerSec;
  const table = rows.map((row) => ({
    case: row.name,
    n: String(row.n),
    'ops/s': Math.round(row.opsPerSec).toLocaleString('en-US'),
    'ops per fsync': row.opsPerFsync.toFixed(1),
    'vs raw put(sync)': `${(row.opsPerSec / baseline).toFixed(2)}x`,
  }));
  log(formatTable(table));
  return table;
}
