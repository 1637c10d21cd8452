// The backlog bench (issue 9): 1,000,000 events queued on zmq-peer + LevelDB for a subscriber that is down, then drained.
//
//   node tools/bench/src/main.mjs backlog [--quick] [--messages=N] [--rss-bound-mb=MB] [--anon-bound-mb=MB]
//
// Three processes: this one (which only orchestrates and reads /proc), a publisher (backlog-publisher.mjs) and a
// subscriber (backlog-subscriber.mjs), each bus with its own LevelStore in a temp dir. The subscriber subscribes once
// (so the publisher stores it), stops cleanly, the publisher publishes N events of ~100 B (GROUP in flight), then the
// subscriber starts again and drains them. Checked: every seq handled, the publisher's outbox-in-memory never above
// `outbox.memoryPerDestination`, its peak RSS (total, and anonymous) under the bounds; any failure exits non-zero.
// N is 1,000,000 by default, 50,000 with --quick. Progress (the publisher's RSS, JS heap, outbox in memory) is printed
// every 10 s (`BENCH_PROGRESS_MS`). A full run (no --quick, no --messages) writes tools/bench/results/backlog.md,
// progress lines included.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BUS_DEFAULTS } from '@resolute/core';
import { freePort } from '@resolute/core/testing';
import { BACKLOG_TOPIC, PUBLISHER_OPTIONS, STATS_INTERVAL_MS } from './backlog-common.mjs';
import { ChildScript, readRss, sampleRss } from './backlog-process.mjs';
import { describeMachine, describeRevision, formatRate, formatTable } from './format.mjs';

const PUBLISHER = new URL('./backlog-publisher.mjs', import.meta.url);
const SUBSCRIBER = new URL('./backlog-subscriber.mjs', import.meta.url);
const RESULTS = new URL('../results/backlog.md', import.meta.url);
const SIZE = 100;
const GROUP = 256;
/**
 * Publisher bounds checked in both phases (MB), chosen from a first 1,000,000 run (peak RSS 331 MB) and 300,000 runs
 * (anonymous RSS ≤ 158 MB throughout) with ~20% and ~60% margin. RSS counts LevelDB's table files, which it reads
 * through mmap (file-backed pages the kernel can drop): that part follows the store's size on disk, so the total
 * bound holds for this N; the anonymous part (JS heap, buffers, LevelDB caches) is what must not grow with N.
 */
const RSS_BOUND_MB = 400;
const ANON_BOUND_MB = 250;
const MEMORY_PER_DESTINATION = BUS_DEFAULTS.outbox.memoryPerDestination;
const PROGRESS_EVERY_MS = Number(process.env.BENCH_PROGRESS_MS ?? 10_000);

const MB = 1024 * 1024;
const mb = (bytes) => (bytes === undefined ? '–' : (bytes / MB).toFixed(0));
/** RSS now, with its anonymous and file-backed parts (LevelDB reads its table files through mmap). */
const rssLine = (pid) => {
  const now = readRss(pid);
  return now === undefined ? 'gone' : `${mb(now.rss)} MB = ${mb(now.anon)} anon + ${mb(now.file)} file`;
};
const wallNow = () => performance.timeOrigin + performance.now();

export async function backlogBench({ quick = false, args = [], log = console.log } = {}) {
  const flag = (name) => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  const n = flag('messages') === undefined ? (quick ? 50_000 : 1_000_000) : Number(flag('messages'));
  const bounds = { rss: megabytes(flag('rss-bound-mb'), RSS_BOUND_MB, 'rss-bound-mb'), anon: megabytes(flag('anon-bound-mb'), ANON_BOUND_MB, 'anon-bound-mb') };
  if (!Number.isInteger(n) || n < 1) throw new Error(`--messages=${flag('messages')}: give a whole number >= 1`);
  // Long enough for a slow, shared machine (~500 msgs/s), never forever.
  const phaseTimeoutMs = 120_000 + n * 2;
  const machine = describeMachine();
  const settings = `N=${n.toLocaleString('en-US')} events of ${SIZE} B payload, ${GROUP} publishes in flight (awaited as a group), publisher outbox.retry.maxDelayMs ${PUBLISHER_OPTIONS.outbox.retry.maxDelayMs} (other bus and transport options default: memoryPerDestination ${MEMORY_PER_DESTINATION.toLocaleString('en-US')})`;
  log(`backlog bench: ${settings}; ${machine.nproc} cores, load ${machine.load}`);

  const root = mkdtempSync(join(tmpdir(), 'resolute-bench-backlog-'));
  const subscriberArgs = [join(root, 'sub'), `tcp://127.0.0.1:${await freePort()}`];
  const pub = new ChildScript(PUBLISHER, [join(root, 'pub')], 'publisher');
  let stats = { published: 0, delivered: 0, outboxInMemory: 0 };
  let maxOutbox = 0;
  pub.on('stats', (s) => {
    stats = s;
    maxOutbox = Math.max(maxOutbox, s.maxOutboxInMemory);
  });
  let sub;
  const result = {};
  const progressLines = [];
  const trace = (line) => {
    progressLines.push(line.trim());
    log(line);
  };
  try {
    const { address } = await pub.wait('ready', 60_000);
    const startSubscriber = () => new ChildScript(SUBSCRIBER, [...subscriberArgs, address, String(n)], 'subscriber');

    // 1. Handshake: the subscriber subscribes, the publisher stores it (a probe gets through), the subscriber stops.
    sub = startSubscriber();
    await sub.wait('ready', 60_000);
    await pub.call({ type: 'handshake' }, 'subscribed', 60_000);
    await sub.wait('primed', 60_000);
    const stopped = await sub.terminate();
    if (stopped.code !== 0) throw new Error(`the subscriber did not stop cleanly (code ${stopped.code}, signal ${stopped.signal})`);

    // 2. Publish N while the subscriber is down.
    result.rssAtStart = readRss(pub.pid);
    maxOutbox = 0;
    let rss = sampleRss(pub.pid, STATS_INTERVAL_MS);
    let ticker = setInterval(() => trace(`  publish: ${(stats.published - 1).toLocaleString('en-US')} published, outbox in memory ${stats.outboxInMemory}, RSS ${rssLine(pub.pid)} (JS heap ${mb(stats.heapUsed)} of ${mb(stats.heapTotal)} MB, external ${mb(stats.external)} MB)`), PROGRESS_EVERY_MS);
    const { ms: publishMs } = await pub.call({ type: 'publish', n, size: SIZE, group: GROUP }, 'published', phaseTimeoutMs);
    clearInterval(ticker);
    await nextStats(pub); // the report after the last publish, so maxOutbox covers the whole phase
    result.publish = { ms: publishMs, rss: rss.stop(), maxOutbox, sendFailures: stats.sendFailures };
    result.onDisk = directoryBytes(join(root, 'pub'));

    // 3. The subscriber returns: time until every seq has been handled, then until the publisher's outbox is empty.
    maxOutbox = 0;
    rss = sampleRss(pub.pid, STATS_INTERVAL_MS);
    const drainStart = wallNow();
    sub = startSubscriber();
    const subRss = sampleRss(sub.pid, STATS_INTERVAL_MS);
    let progress = { unique: 0, duplicates: 0, dropped: 0 };
    sub.on('progress', (p) => (progress = p));
    ticker = setInterval(() => trace(`  drain: ${progress.unique.toLocaleString('en-US')} handled, publisher outbox in memory ${stats.outboxInMemory}, RSS ${rssLine(pub.pid)} (JS heap ${mb(stats.heapUsed)} of ${mb(stats.heapTotal)} MB, external ${mb(stats.external)} MB)`), PROGRESS_EVERY_MS);
    let done;
    try {
      done = await sub.wait('done', phaseTimeoutMs);
    } catch (error) {
      throw new Error(`drain incomplete: ${progress.unique} of ${n} handled (${n - progress.unique} missing)`, { cause: error });
    } finally {
      clearInterval(ticker);
    }
    const emptyBy = Date.now() + 60_000;
    while (!(stats.delivered >= n + 1 && stats.outboxInMemory === 0)) {
      if (Date.now() > emptyBy) throw new Error(`publisher outbox not empty 60 s after the drain: ${stats.delivered - 1} of ${n} acknowledged`);
      await nextStats(pub);
    }
    result.drain = { ms: done.lastAt - drainStart, firstMs: done.firstAt - drainStart, emptyMs: wallNow() - drainStart, rss: rss.stop(), maxOutbox, subRss: subRss.stop() };
    // Stopping the subscriber makes it send its final counts: duplicates that arrived after the last new seq included.
    await sub.terminate();
    result.drain.duplicates = progress.duplicates;
    result.drain.dropped = progress.dropped;
  } finally {
    await sub?.terminate();
    if (pub.child.connected) await pub.call({ type: 'exit' }, 'closed', 30_000).catch(() => undefined);
    await pub.terminate();
    rmSync(root, { recursive: true, force: true });
  }

  const { text, notes, failures } = summarize(result, n, bounds);
  log(text);
  log(notes);
  if (!quick && flag('messages') === undefined && failures.length === 0) {
    writeResults(text, notes, settings, machine, progressLines);
    log(`written to ${RESULTS.pathname}`);
  }
  if (failures.length > 0) throw new Error(`backlog bench failed: ${failures.join('; ')}`);
  return result;
}

function summarize(r, n, bounds) {
  const row = (phase, ms, phaseResult, subRss) => ({
    phase,
    messages: n.toLocaleString('en-US'),
    seconds: (ms / 1000).toFixed(1),
    'msgs/s': formatRate((n / ms) * 1000),
    'publisher peak RSS MB': mb(phaseResult.rss.peak),
    'of it anon / file MB': `${mb(phaseResult.rss.anon)} / ${mb(phaseResult.rss.file)}`,
    'publisher outbox in memory (max)': phaseResult.maxOutbox.toLocaleString('en-US'),
    'subscriber peak RSS MB': mb(subRss?.peak),
  });
  const text = formatTable([row('publish (subscriber down)', r.publish.ms, r.publish), row('drain (subscriber back)', r.drain.ms, r.drain, r.drain.subRss)]);
  const peak = Math.max(r.publish.rss.peak, r.drain.rss.peak);
  const anon = Math.max(r.publish.rss.anon, r.drain.rss.anon);
  const maxOutbox = Math.max(r.publish.maxOutbox, r.drain.maxOutbox);
  const checks = [
    { what: `publisher peak RSS ≤ ${bounds.rss} MB`, value: `${mb(peak)} MB`, ok: peak <= bounds.rss * MB },
    { what: `publisher peak anonymous RSS ≤ ${bounds.anon} MB`, value: `${mb(anon)} MB`, ok: anon <= bounds.anon * MB },
    { what: `publisher outbox in memory ≤ memoryPerDestination ${MEMORY_PER_DESTINATION.toLocaleString('en-US')}`, value: maxOutbox.toLocaleString('en-US'), ok: maxOutbox <= MEMORY_PER_DESTINATION },
  ];
  const count = n.toLocaleString('en-US');
  const notes = [
    `Publisher RSS before publishing (bus open, subscriber known): ${mb(r.rssAtStart?.rss)} MB (${mb(r.rssAtStart?.anon)} anon + ${mb(r.rssAtStart?.file)} file-backed).`,
    `Checked in both phases: ${checks.map((c) => `${c.what} (${c.value}: ${c.ok ? 'ok' : 'FAILED'})`).join('; ')}.`,
    `Publisher store after the publish phase: ${mb(r.onDisk)} MB on disk (LevelDB, snappy-compressed; the backlog waits there, not in memory);`,
    `${r.publish.sendFailures.toLocaleString('en-US')} failed send attempts to the absent subscriber meanwhile.`,
    `Drain: timed from starting the subscriber process to its handler having run for all ${count} (first one after ${(r.drain.firstMs / 1000).toFixed(1)} s:`,
    `process start, reconnect, retry backoff); the publisher's outbox was empty ${(r.drain.emptyMs / 1000).toFixed(1)} s after the start. All ${count} seqs handled;`,
    `duplicates: ${r.drain.duplicates} handler runs for a seq already handled, ${r.drain.dropped} redelivered copies dropped by the inbox before any handler.`,
    `Peak RSS: the larger of /proc/<pid>/status VmRSS sampled every ${STATS_INTERVAL_MS} ms and the kernel's VmHWM (reset at each phase's start where`,
    'allowed). "anon / file": peaks of RssAnon (JS heap, buffers, LevelDB caches and memtables) and RssFile (the node binary and',
    "libraries, plus LevelDB's table files, which it reads through mmap: clean pages the kernel can drop, growing with the store on disk).",
  ].join('\n');
  return { text, notes, failures: checks.filter((c) => !c.ok).map((c) => `${c.what}: ${c.value}`) };
}

function megabytes(text, fallback, name) {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!(value > 0)) throw new Error(`--${name}=${text}: give a number of MB > 0`);
  return value;
}

/** Resolves with the publisher's next stats report. */
function nextStats(pub) {
  return new Promise((resolve) => {
    const previous = pub.listeners.get('stats');
    pub.on('stats', (s) => {
      previous(s);
      pub.on('stats', previous);
      resolve(s);
    });
  });
}

function directoryBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath ?? entry.path, entry.name)).size;
  }
  return total;
}

function writeResults(table, notes, settings, machine, progressLines) {
  mkdirSync(new URL('.', RESULTS), { recursive: true });
  const body = [
    '# backlog bench: 1,000,000 events for a subscriber that is down (zmq-peer + LevelDB)',
    '',
    'Command: `npm run bench -- backlog` (builds first), or `node tools/bench/src/main.mjs backlog` after a build.',
    '',
    `Machine: ${machine.nproc} cores (\`nproc\`), ${machine.cpu}, Node ${machine.node}; load average at start ${machine.load}`,
    `(other work shared the CPU). Date: ${machine.date}. Code: ${describeRevision()}.`,
    '',
    `Settings: ${settings}. Topic \`${BACKLOG_TOPIC}\`; publisher and subscriber each in its own process with its own`,
    'LevelStore (fsync per group commit) in a temp dir, TCP over 127.0.0.1; the subscriber subscribed with `{ from: <publisher address> }`,',
    'was acknowledged a probe event, then stopped cleanly (SIGTERM: bus closed) before the publish phase.',
    '',
    table,
    '',
    notes,
    '',
    `Progress every ${PROGRESS_EVERY_MS / 1000} s (the publisher's RSS as anonymous + file-backed, its JS heap used of committed, external memory):`,
    '',
    '```',
    ...progressLines,
    '```',
    '',
  ].join('\n');
  writeFileSync(RESULTS, body);
}
