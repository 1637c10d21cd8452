import type { MessageView } from '../store-messages.js';
import { destinationLabel } from '../store-messages.js';
import { formatAge, formatTime } from './age.js';
import { payloadText } from './json.js';
import { renderTable, type Column } from './table.js';

/** Which message list is shown: each has its own columns. */
export type MessageListKind = 'incoming' | 'outgoing' | 'dead';

/** One message in `--json` output. Times are ISO strings; ages are milliseconds at the time of the run. */
export function messageJson(view: MessageView, now: number, showPayload: boolean): Record<string, unknown> {
  return {
    id: view.id,
    ...(view.key !== view.id ? { key: view.key } : {}),
    topic: view.topic ?? null,
    kind: view.kind ?? null,
    source: view.source ?? null,
    createdAt: view.createdAt === undefined ? null : new Date(view.createdAt).toISOString(),
    ageMs: view.createdAt === undefined ? null : now - view.createdAt,
    ...(view.destination === undefined ? {} : { destination: view.destination }),
    ...(view.attempts === undefined ? {} : { attempts: view.attempts }),
    ...(view.lastError === undefined ? {} : { lastError: view.lastError }),
    ...(view.notBefore === undefined ? {} : { notBefore: view.notBefore > 0 ? new Date(view.notBefore).toISOString() : null }),
    ...(view.receivedAt === undefined ? {} : { receivedAt: formatTime(view.receivedAt) }),
    ...(view.failedAt === undefined ? {} : { failedAt: formatTime(view.failedAt) }),
    ...(view.done === undefined ? {} : { done: view.done }),
    ...(view.problem === undefined ? {} : { problem: view.problem }),
    ...(showPayload ? { payload: view.payload ?? null } : {}),
  };
}

function errorText(view: MessageView): string | undefined {
  if (view.problem !== undefined) return `unreadable: ${view.problem}`;
  return view.lastError === undefined ? undefined : `${view.lastError.code}: ${view.lastError.message}`;
}

function columnsFor(kind: MessageListKind, now: number, showPayload: boolean): Column<MessageView>[] {
  const age: Column<MessageView> = { header: 'age', value: (v) => (v.createdAt === undefined ? undefined : formatAge(now - v.createdAt)), align: 'right' };
  const id: Column<MessageView> = { header: 'id', value: (v) => v.id };
  const topic: Column<MessageView> = { header: 'topic', value: (v) => v.topic };
  const msgKind: Column<MessageView> = { header: 'kind', value: (v) => v.kind };
  const attempts: Column<MessageView> = { header: 'attempts', value: (v) => v.attempts, align: 'right' };
  const columns: Column<MessageView>[] =
    kind === 'outgoing'
      ? [{ header: 'destination', value: (v) => destinationLabel(v.destination) }, id, topic, msgKind, age]
      : kind === 'incoming'
        ? [
            id,
            topic,
            msgKind,
            age,
            attempts,
            { header: 'next try', value: (v) => (v.notBefore === undefined || v.notBefore <= now ? 'now' : formatAge(now - v.notBefore)) },
            { header: 'last error', value: errorText },
          ]
        : [
            id,
            topic,
            msgKind,
            { header: 'side', value: (v) => (v.destination === undefined ? 'inbox' : `outbox -> ${destinationLabel(v.destination)}`) },
            age,
            { header: 'failed', value: (v) => (v.failedAt === undefined ? undefined : `${formatAge(now - v.failedAt)} ago`), align: 'right' },
            attempts,
            { header: 'last error', value: errorText },
          ];
  if (showPayload) columns.push({ header: 'payload', value: (v) => (v.problem === undefined ? payloadText(v.payload) : undefined) });
  return columns;
}

/** A message table plus a closing line that says how many there are and whether some were left out. */
export function messageTable(kind: MessageListKind, messages: readonly MessageView[], matched: number, now: number, showPayload: boolean): string {
  const noun = matched === 1 ? 'message' : 'messages';
  if (matched === 0) return `no ${kind} messages\n`;
  const footer =
    messages.length < matched ? `${messages.length} of ${matched} ${noun} shown (oldest first): raise --limit, or --limit 0 for all\n` : `${matched} ${noun}\n`;
  return renderTable(columnsFor(kind, now, showPayload), messages) + footer;
}
