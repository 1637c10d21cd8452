import { idTime, isId, NAMESPACES, type Store } from '@resolute/core';
import { LAYOUT_VERSION } from '@resolute/level-store';
import type { Command } from 'commander';
import { formatAge, formatTime } from '../format/age.js';
import { renderTable } from '../format/table.js';
import type { LockReport } from '../lock-check.js';
import { withStore, type OpenedStore } from '../open-store.js';
import { destinationLabel } from '../store-messages.js';
import { act, storeOptions, type CommandContext } from './common.js';

/** The namespaces status reports by name, in this order, with how to find each one's oldest entry. */
const SECTIONS = [
  { name: 'outgoing', namespace: NAMESPACES.outbox },
  { name: 'incoming', namespace: NAMESPACES.inbox },
  { name: 'subscriptions', namespace: NAMESPACES.subscriptions },
  { name: 'dead', namespace: NAMESPACES.dead },
  { name: 'dedupe', namespace: NAMESPACES.dedupe },
  { name: 'corrupt', namespace: NAMESPACES.corrupt },
] as const;

interface Section {
  namespace: string;
  count: number;
  /** ms since the epoch of the oldest entry: message creation (ULID), or subscription time. */
  oldest: number | undefined;
}

interface Destination {
  destination: string;
  count: number;
  oldest: number | undefined;
}

export function registerStatus(program: Command, context: CommandContext): void {
  storeOptions(
    program
      .command('status')
      .description('overview: entries and oldest message per namespace, outgoing per destination, lock holder, layout version'),
  ).action(
    act(context, async (options) =>
      withStore(options, 'read', context.io, async (opened) => {
        const report = await collect(opened);
        const now = context.io.now();
        return { json: statusJson(opened, report, now), human: () => statusText(opened, report, now) };
      }),
    ),
  );
}

interface Report {
  sections: Map<string, Section>;
  destinations: Destination[];
  others: Record<string, number>;
  layout: { version: number | undefined; writer: string | undefined };
}

async function collect(opened: OpenedStore): Promise<Report> {
  const { store } = opened;
  const sections = new Map<string, Section>();
  const destinations = await outboxByDestination(store);
  for (const { name, namespace } of SECTIONS) {
    const oldest =
      namespace === NAMESPACES.outbox
        ? minOf(destinations.map((d) => d.oldest))
        : namespace === NAMESPACES.subscriptions
          ? await oldestSubscription(store)
          : namespace === NAMESPACES.corrupt
            ? await oldestCorrupt(store)
            : await oldestById(store, namespace);
    sections.set(name, { namespace, count: await store.count(namespace), oldest });
  }
  const known = new Set<string>(SECTIONS.map((s) => s.namespace));
  const others: Record<string, number> = {};
  for (const namespace of (await store.namespaces()).sort()) {
    if (!known.has(namespace)) others[namespace] = await store.count(namespace);
  }
  const layoutText = (await store.get(NAMESPACES.meta, 'layout'))?.toString('utf8');
  const writer = (await store.get(NAMESPACES.meta, 'layout-writer'))?.toString('utf8');
  const version = layoutText !== undefined && /^\d+$/.test(layoutText) ? Number(layoutText) : undefined;
  return { sections, destinations, others, layout: { version, writer } };
}

/** One pass over the outbox: its keys are `<destination>\0<id>`, so each destination is one run of keys, oldest first. */
async function outboxByDestination(store: Store): Promise<Destination[]> {
  const result: Destination[] = [];
  let current: Destination | undefined;
  for await (const { key } of store.entries(NAMESPACES.outbox)) {
    const at = key.indexOf('\u0000');
    const destination = at < 0 ? key : key.slice(0, at);
    if (current?.destination !== destination) {
      const id = key.slice(at + 1);
      current = { destination, count: 0, oldest: isId(id) ? idTime(id) : undefined };
      result.push(current);
    }
    current.count++;
  }
  return result;
}

/** Namespaces keyed by message id (ULIDs sort by time): the first key is the oldest. */
async function oldestById(store: Store, namespace: string): Promise<number | undefined> {
  for await (const { key } of store.entries(namespace, { limit: 1 })) return isId(key) ? idTime(key) : undefined;
  return undefined;
}

async function oldestSubscription(store: Store): Promise<number | undefined> {
  const times: Array<number | undefined> = [];
  for await (const { value } of store.entries(NAMESPACES.subscriptions)) {
    try {
      const since = (JSON.parse(value.toString('utf8')) as { since?: unknown }).since;
      times.push(typeof since === 'number' ? since : undefined);
    } catch {
      // an unreadable record has no time; `keys` shows it
    }
  }
  return minOf(times);
}

/** Corrupt keys are `<where>:<key>`, where the key ends with a message id when there was one. */
async function oldestCorrupt(store: Store): Promise<number | undefined> {
  const times: Array<number | undefined> = [];
  for await (const { key } of store.entries(NAMESPACES.corrupt)) {
    const id = key.slice(-26);
    times.push(isId(id) ? idTime(id) : undefined);
  }
  return minOf(times);
}

function minOf(values: ReadonlyArray<number | undefined>): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length === 0 ? undefined : Math.min(...defined);
}

function lockJson(lock: LockReport | undefined): unknown {
  if (lock === undefined) return { state: 'not-applicable' };
  return { state: lock.state, ...(lock.holder ?? {}), takenOver: lock.takenOver };
}

function statusJson(opened: OpenedStore, report: Report, now: number): unknown {
  const age = (oldest: number | undefined): Record<string, unknown> =>
    oldest === undefined ? { oldestAt: null, oldestAgeMs: null } : { oldestAt: new Date(oldest).toISOString(), oldestAgeMs: now - oldest };
  return {
    store: {
      kind: opened.kind,
      location: opened.location,
      layout: { version: report.layout.version ?? null, writer: report.layout.writer ?? null, ...(opened.kind === 'level' ? { supported: LAYOUT_VERSION } : {}) },
    },
    lock: lockJson(opened.lock),
    namespaces: Object.fromEntries([...report.sections].map(([name, s]) => [name, { namespace: s.namespace, count: s.count, ...age(s.oldest) }])),
    destinations: report.destinations.map((d) => ({ destination: d.destination, count: d.count, ...age(d.oldest) })),
    otherNamespaces: report.others,
  };
}

function lockText(lock: LockReport | undefined, kind: string): string {
  if (lock === undefined) return 'none (this store has no lock file)';
  if (lock.state === 'none') return 'free (no service holds the store)';
  const holder = lock.holder;
  const who = holder === undefined ? 'an unknown process' : `pid ${holder.pid} on ${holder.hostname} since ${holder.startedAt} (${kind === 'redis' ? 'redis-bus' : 'level-store'} ${holder.version})`;
  if (kind === 'redis') return lock.state === 'dead' ? `stale: left by ${who}, which is not running; it expires by itself, or \`resolute unlock\` removes it` : `${lock.state}: ${who}`;
  return lock.state === 'dead' ? `stale: left by ${who}, which is not running; taken over for this command and released` : `${lock.state}: ${who}`;
}

function statusText(opened: OpenedStore, report: Report, now: number): string {
  const { version, writer } = report.layout;
  const layout =
    version === undefined
      ? 'unknown'
      : `${version}${writer === undefined ? '' : ` (written by ${writer})`}${opened.kind === 'level' && version !== LAYOUT_VERSION ? `; this CLI reads ${LAYOUT_VERSION}` : ''}`;
  const age = (oldest: number | undefined): string | undefined => (oldest === undefined ? undefined : formatAge(now - oldest));
  let text = `store   ${opened.kind} ${opened.location}\nlayout  ${layout}\nlock    ${lockText(opened.lock, opened.kind)}\n\n`;
  text += renderTable(
    [
      { header: 'namespace', value: (r: [string, Section]) => r[0] },
      { header: 'store key', value: (r) => r[1].namespace },
      { header: 'count', value: (r) => r[1].count, align: 'right' },
      { header: 'oldest', value: (r) => age(r[1].oldest), align: 'right' },
    ],
    [...report.sections],
  );
  if (report.destinations.length > 0) {
    text += `\n${renderTable(
      [
        { header: 'outgoing to', value: (d: Destination) => destinationLabel(d.destination) },
        { header: 'count', value: (d) => d.count, align: 'right' },
        { header: 'oldest', value: (d) => age(d.oldest), align: 'right' },
        { header: 'since', value: (d) => formatTime(d.oldest) },
      ],
      report.destinations,
    )}`;
  }
  const others = Object.entries(report.others);
  if (others.length > 0) text += `\nother namespaces: ${others.map(([name, count]) => `${name} ${count}`).join(', ')}\n`;
  return text;
}
