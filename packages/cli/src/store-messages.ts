import { idTime, isId, jsonCodec, NAMESPACES, unpackRecord, type DeadMeta, type InboxMeta, type Store, type StoreEntry, type StoreRange } from '@resolute/core';

/*
 * Reading the pipeline's namespaces as messages. The layouts are core's (bus/record.ts, bus/outbox-relay.ts):
 *   inbox   key <id>               value record(InboxMeta, envelope bytes)
 *   outbox  key <destination>\0<id> value envelope bytes (no bookkeeping: send failures live only in the service)
 *   dead    key <id>               value record(DeadMeta, envelope bytes); `destination` in the meta when the relay
 *                                  gave up sending (the message never left this service), absent when handlers failed
 * Envelopes are decoded with core's jsonCodec, the default. A value that does not decode is still listed, with the
 * reason in `problem`, so nothing is hidden.
 */
const SEPARATOR = '\u0000';

export interface MessageView {
  /** The store key (outbox keys hold the destination too). */
  key: string;
  id: string;
  topic?: string;
  kind?: string;
  source?: string;
  /** When the message was created (from its ULID), ms since the epoch. */
  createdAt?: number;
  /** Outbox entries and relay-side dead letters: the destination key (`e:<address>` or `t:<topic>`). */
  destination?: string;
  attempts?: number;
  lastError?: { code: string; message: string };
  notBefore?: number;
  receivedAt?: number;
  failedAt?: number;
  /** Handlers that already completed (they do not run again). */
  done?: string[];
  payload?: unknown;
  /** Why the entry could not be read as a message. */
  problem?: string;
  /** The raw value, for replay. */
  raw: Buffer;
}

/** The dead-letter meta as the relay writes it: DeadMeta plus the destination it could not reach. */
export type AnyDeadMeta = DeadMeta & { destination?: string };

export function viewInbox(entry: StoreEntry): MessageView {
  const view = base(entry.key, entry.key, entry.value);
  try {
    const { meta, bytes } = unpackRecord<InboxMeta>(entry.value);
    Object.assign(view, {
      attempts: meta.attempts,
      lastError: meta.lastError,
      notBefore: meta.notBefore,
      receivedAt: meta.receivedAt,
      done: meta.done,
    });
    decodeInto(view, bytes);
  } catch (error) {
    view.problem = message(error);
  }
  return view;
}

export function viewOutbox(entry: StoreEntry): MessageView {
  const at = entry.key.indexOf(SEPARATOR);
  const view = base(entry.key, at < 0 ? entry.key : entry.key.slice(at + 1), entry.value);
  if (at >= 0) view.destination = entry.key.slice(0, at);
  decodeInto(view, entry.value);
  return view;
}

export function viewDead(entry: StoreEntry): MessageView {
  const view = base(entry.key, entry.key, entry.value);
  try {
    const { meta, bytes } = unpackRecord<AnyDeadMeta>(entry.value);
    Object.assign(view, {
      attempts: meta.attempts,
      lastError: meta.error === undefined ? undefined : { code: meta.error.code, message: meta.error.message },
      receivedAt: meta.receivedAt,
      failedAt: meta.failedAt,
      done: meta.done,
      ...(typeof meta.destination === 'string' ? { destination: meta.destination } : {}),
    });
    decodeInto(view, bytes);
  } catch (error) {
    view.problem = message(error);
  }
  return view;
}

export const VIEWS = {
  [NAMESPACES.inbox]: viewInbox,
  [NAMESPACES.outbox]: viewOutbox,
  [NAMESPACES.dead]: viewDead,
} as const;
export type MessageNamespace = keyof typeof VIEWS;

export interface MessageFilter {
  topic?: string;
  /** Outbox only: one destination key. */
  destination?: string;
}

export interface ScanOptions extends MessageFilter {
  /** Most messages returned; 0 = all. Counting goes on past it, so `matched` is exact. */
  limit: number;
}

export interface ScanResult {
  messages: MessageView[];
  /** How many entries matched the filter (not only those returned). */
  matched: number;
}

/** Messages of one namespace in key order (oldest first per destination), filtered, at most `limit` kept. */
export async function scanMessages(store: Store, namespace: MessageNamespace, options: ScanOptions): Promise<ScanResult> {
  const messages: MessageView[] = [];
  let matched = 0;
  for await (const view of messagesOf(store, namespace, options)) {
    matched++;
    if (options.limit === 0 || messages.length < options.limit) messages.push(view);
  }
  return { messages, matched };
}

/** Every message of a namespace matching the filter, streamed. */
export async function* messagesOf(store: Store, namespace: MessageNamespace, filter: MessageFilter = {}): AsyncIterable<MessageView> {
  const view = VIEWS[namespace];
  const range: StoreRange = filter.destination === undefined ? {} : { gte: filter.destination + SEPARATOR, lt: filter.destination + '\u0001' };
  for await (const entry of store.entries(namespace, range)) {
    const item = view(entry);
    if (filter.topic !== undefined && item.topic !== filter.topic) continue;
    yield item;
  }
}

/** Outbox entries of one message id, across every destination (keys end in `\0<id>`): a full scan of the outbox. */
export async function outboxKeysOf(store: Store, ids: ReadonlySet<string>): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  for await (const entry of store.entries(NAMESPACES.outbox)) {
    const id = entry.key.slice(entry.key.indexOf(SEPARATOR) + 1);
    if (!ids.has(id)) continue;
    const keys = found.get(id) ?? [];
    keys.push(entry.key);
    found.set(id, keys);
  }
  return found;
}

/** `e:<address>` for a bare address; a key that already names its type (`e:`/`t:`) stays as it is. */
export function destinationKeyOf(text: string): string {
  return /^[et]:/.test(text) ? text : `e:${text}`;
}

/** How a destination key reads in a table: the address, or `topic <name>`. */
export function destinationLabel(key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  if (key.startsWith('e:')) return key.slice(2);
  if (key.startsWith('t:')) return `topic ${key.slice(2)}`;
  return key;
}

function base(key: string, id: string, raw: Buffer): MessageView {
  const view: MessageView = { key, id, raw };
  if (isId(id)) view.createdAt = idTime(id);
  return view;
}

function decodeInto(view: MessageView, bytes: Buffer): void {
  try {
    const envelope = jsonCodec.decode(bytes);
    view.topic = envelope.topic;
    view.kind = envelope.kind;
    view.source = envelope.source;
    view.payload = envelope.payload;
    view.createdAt ??= envelope.createdAt;
  } catch (error) {
    view.problem = message(error);
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
