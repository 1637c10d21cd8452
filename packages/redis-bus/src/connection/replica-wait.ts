import { ResoluteError } from '@resolute/core';
import { Cluster, type ChainableCommander } from 'ioredis';
import { IN_FLIGHT_LOST } from './fail-in-flight.js';
import type { LuaScript } from './lua-script.js';
import type { RedisClient } from './redis-connection.js';

/** The connection's `replicas` option: how many replicas must confirm an acknowledged write, and how long to wait. */
export interface ReplicaWait {
  readonly count: number;
  readonly timeoutMs: number;
}

/**
 * Replication is asynchronous: a master answers a write before its replicas have it, so a write acknowledged just
 * before the master dies may be missing on the replica Sentinel (or a Cluster failover) promotes. With `replicas`,
 * each acknowledged write is followed by `WAIT <count> <timeoutMs>`, and succeeds only once that many replicas
 * confirmed they have it; otherwise it fails with a retryable TIMEOUT (it was applied on the master, so a retry may
 * duplicate it: the receiver's dedupe absorbs that).
 *
 * WAIT must run on the connection that wrote, right behind the write: it waits for that connection's own last write.
 * So both go in one pipeline, written to one socket together; a reconnect between them (to a new master, whose WAIT
 * would confirm nothing of ours) cannot happen, and a Cluster pipeline sends the keyless WAIT to the write's node.
 *
 * Without `replicas` the writes are sent as one plain pipeline, as before.
 */
export async function execReplicated(client: RedisClient, replicas: ReplicaWait | undefined, write: (pipeline: ChainableCommander) => void): Promise<Array<[Error | null, unknown]>> {
  // A Cluster client speaks to many masters: a lone WAIT would go to any of them, so there only the WAIT behind
  // each write counts.
  const single = replicas !== undefined && !(client instanceof Cluster);
  if (single) {
    watchReconnects(client);
    if (lagging.has(client)) await replicasBack(client, replicas);
  }
  const pipeline = client.pipeline();
  write(pipeline);
  if (replicas !== undefined) pipeline.wait(replicas.count, replicas.timeoutMs);
  const replies = (await pipeline.exec()) ?? [];
  if (replicas === undefined) return replies;
  const [error, confirmed] = replies.pop() ?? [new Error(IN_FLIGHT_LOST), undefined];
  // Nothing to confirm when every write failed (nothing applied): their own errors say more.
  if (replies.every(([e]) => e !== null)) return replies;
  if (error !== null) throw error;
  if (Number(confirmed) < replicas.count) {
    if (single) lagging.set(client, undefined);
    throw notReplicated(Number(confirmed), replicas, true);
  }
  return replies;
}

/**
 * Connections whose last WAIT came up short, or that reconnected (after a failover, the new master has one replica
 * fewer until the old one is back), each with the check in progress. A write that was not confirmed was still
 * applied, and its retry applies it again: while a replica is down, every retry would leave one more copy on the
 * master. So then writes first send WAIT alone (one at a time per connection, shared by every writer) and are written
 * only once the replicas confirm everything before; until then they fail without writing.
 */
const lagging = new WeakMap<RedisClient, Promise<number> | undefined>();
const watched = new WeakSet<RedisClient>();

function watchReconnects(client: RedisClient): void {
  if (watched.has(client)) return;
  watched.add(client);
  // Every later (re)connection may be to another master, or to one whose replicas are not back yet.
  client.on('ready', () => {
    if (!lagging.has(client)) lagging.set(client, undefined);
  });
}

async function replicasBack(client: RedisClient, replicas: ReplicaWait): Promise<void> {
  let check = lagging.get(client);
  if (check === undefined) {
    check = client.wait(replicas.count, replicas.timeoutMs).finally(() => {
      if (lagging.get(client) === check) lagging.set(client, undefined);
    });
    lagging.set(client, check);
  }
  const confirmed = await check;
  if (confirmed < replicas.count) throw notReplicated(confirmed, replicas, false);
  lagging.delete(client);
}

/**
 * One command (`client.call(command, args)`), followed by WAIT when `replicas` is set: resolves with its reply,
 * rejects with its error or the WAIT's. Without `replicas`, exactly `client.call`.
 */
export async function callReplicated(client: RedisClient, replicas: ReplicaWait | undefined, command: string, args: Array<string | Buffer | number>): Promise<unknown> {
  if (replicas === undefined) return client.call(command, args);
  const [reply] = await execReplicated(client, replicas, (pipeline) => pipeline.call(command, args));
  const [error, value] = reply ?? [new Error(IN_FLIGHT_LOST), undefined];
  if (error !== null) throw error;
  return value;
}

/** A script through callReplicated: EVALSHA, then EVAL once on NOSCRIPT (nothing was applied), like LuaScript.run. */
export async function runReplicated(script: LuaScript, client: RedisClient, keys: readonly string[], args: readonly (string | Buffer | number)[], replicas: ReplicaWait | undefined): Promise<unknown> {
  try {
    return await callReplicated(client, replicas, 'EVALSHA', [script.sha, script.numberOfKeys, ...keys, ...args]);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return callReplicated(client, replicas, 'EVAL', [script.source, script.numberOfKeys, ...keys, ...args]);
  }
}

function notReplicated(confirmed: number, replicas: ReplicaWait, written: boolean): ResoluteError {
  const what = written
    ? 'confirmed the write: the master applied it but a failover could lose it, so it is reported as failed (a retry may duplicate it: dedupe absorbs that)'
    : 'confirmed the writes before this one, so this one was not sent';
  return new ResoluteError(
    'TIMEOUT',
    `only ${confirmed} of the ${replicas.count} replicas required (replicas.count) ${what}; waited ${replicas.timeoutMs} ms (replicas.timeoutMs). ` +
      'Retry later, and check that the replicas run and are linked (INFO replication on the master)',
    { retryable: true, details: { confirmed, required: replicas.count, timeoutMs: replicas.timeoutMs, written } },
  );
}
