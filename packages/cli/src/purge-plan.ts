import { DEDUPE_EXPIRY, isId, NAMESPACES, splitSubscriptionKey, type Store } from '@resolute/core';
import { usageError } from './errors.js';
import { messagesOf, outboxKeysOf, type MessageFilter } from './store-messages.js';

/** Names `purge` accepts, and the namespace each deletes from. `meta` (the store's own bookkeeping) is not among them. */
export const PURGEABLE: Readonly<Record<string, string>> = {
  outgoing: NAMESPACES.outbox,
  outbox: NAMESPACES.outbox,
  incoming: NAMESPACES.inbox,
  inbox: NAMESPACES.inbox,
  dead: NAMESPACES.dead,
  corrupt: NAMESPACES.corrupt,
  dedupe: NAMESPACES.dedupe,
  subscriptions: NAMESPACES.subscriptions,
};

export type PurgeFilter = MessageFilter;

/** Keys to delete, per namespace. */
export type PurgePlan = Map<string, string[]>;

/** Splits targets into namespaces and message ids; a usage error for anything else or a filter that does not apply. */
export function parseTargets(targets: readonly string[], filter: PurgeFilter): { namespaces: string[]; ids: string[] } {
  const namespaces = new Set<string>();
  const ids = new Set<string>();
  for (const target of targets) {
    const namespace = PURGEABLE[target];
    if (namespace !== undefined) namespaces.add(namespace);
    else if (isId(target)) ids.add(target);
    else if (target === NAMESPACES.meta) throw usageError('meta holds the store\'s own bookkeeping (layout version) and cannot be purged');
    else throw usageError(`${JSON.stringify(target)} is neither a namespace (${Object.keys(PURGEABLE).join(', ')}) nor a message id`);
  }
  if (filter.topic !== undefined && (ids.size > 0 || [...namespaces].some((n) => n === NAMESPACES.corrupt || n === NAMESPACES.dedupe))) {
    throw usageError('--topic filters outgoing, incoming, dead and subscriptions only, not message ids, corrupt or dedupe');
  }
  if (filter.destination !== undefined && (ids.size > 0 || [...namespaces].some((n) => n !== NAMESPACES.outbox))) {
    throw usageError('--destination filters outgoing only');
  }
  return { namespaces: [...namespaces], ids: [...ids] };
}

/** Finds every key the purge would delete. Message ids are looked up in dead, incoming and every outgoing lane. */
export async function planPurge(store: Store, namespaces: readonly string[], ids: readonly string[], filter: PurgeFilter): Promise<PurgePlan> {
  const plan: PurgePlan = new Map();
  const add = (namespace: string, key: string): void => {
    const keys = plan.get(namespace) ?? [];
    keys.push(key);
    plan.set(namespace, keys);
  };
  for (const namespace of namespaces) {
    if (namespace === NAMESPACES.outbox || namespace === NAMESPACES.inbox || namespace === NAMESPACES.dead) {
      for await (const view of messagesOf(store, namespace, filter)) add(namespace, view.key);
    } else {
      for await (const { key } of store.entries(namespace)) {
        if (namespace === NAMESPACES.subscriptions && filter.topic !== undefined && topicOf(key) !== filter.topic) continue;
        add(namespace, key);
      }
      // Without its dedupe entries the expiry index would only point at nothing: it goes too.
      if (namespace === NAMESPACES.dedupe) for await (const { key } of store.entries(DEDUPE_EXPIRY)) add(DEDUPE_EXPIRY, key);
    }
  }
  const taken = (namespace: string, key: string): boolean => plan.get(namespace)?.includes(key) === true;
  for (const id of ids) {
    for (const namespace of [NAMESPACES.dead, NAMESPACES.inbox]) {
      if (!taken(namespace, id) && (await store.get(namespace, id)) !== undefined) add(namespace, id);
    }
  }
  if (ids.length > 0) {
    for (const keys of (await outboxKeysOf(store, new Set(ids))).values()) for (const key of keys) if (!taken(NAMESPACES.outbox, key)) add(NAMESPACES.outbox, key);
  }
  return plan;
}

function topicOf(key: string): string | undefined {
  try {
    return splitSubscriptionKey(key)[0];
  } catch {
    return undefined;
  }
}

export function planTotal(plan: PurgePlan): number {
  let total = 0;
  for (const keys of plan.values()) total += keys.length;
  return total;
}

/** `dead 3, outbox 1` */
export function planSummary(plan: PurgePlan): string {
  return [...plan].map(([namespace, keys]) => `${namespace} ${keys.length}`).join(', ');
}
