import { type Logger, ResoluteError } from '@resolute/core';
import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from './redis-connection.js';
import { mapRedisError } from './map-redis-error.js';

/**
 * Redis acknowledges a write once it is in memory. It survives a crash of the server (SIGKILL, power cut) only when
 * the server appends it to its AOF and fsyncs that before answering: `appendonly yes` with `appendfsync always`.
 * With `everysec` up to a second of acknowledged writes can be lost; with `no`, or RDB snapshots alone, much more.
 * So a RedisStore is `durable` only when every server that may hold it says so, and the transport (events) warns at
 * start when one of its servers does not (a resolved send is then as safe as that server's settings).
 *
 * It also needs `aof-load-truncated no`. Every batch is one script, which the AOF records as a MULTI/EXEC block. When a
 * crash cuts that block short, a server with `aof-load-truncated yes` (the default) loads what precedes the cut but
 * truncates the file inside the block, leaving a MULTI without its EXEC: the commands it appends after the restart then
 * join that open transaction, so the next restart applies the cut batch in part, and a third crash before the next EXEC
 * drops writes it acknowledged in between (reproduced here on Redis 7.0.15; Valkey fixed it in valkey-io/valkey#4342).
 * With `no`, the server refuses to start on a cut AOF instead, and `redis-check-aof --fix` cuts the file before the
 * unfinished MULTI, which keeps every batch whole.
 *
 * Redis fsyncs once per event-loop turn for every write of that turn, from every client: concurrent batches share an
 * fsync on the server (group commit comes for free), which is why the store sends each batch at once instead of
 * gathering them itself.
 *
 * Not covered here: replication. A replica promoted by Sentinel or a Cluster failover may miss the last acknowledged
 * writes of the old master (replication is asynchronous) unless the connection's `replicas` option makes each 'sync'
 * batch wait for them (replica-wait.ts), and its own persistence settings are checked only at the next open.
 */
export const DURABLE_SETTINGS = 'appendonly yes, appendfsync always and aof-load-truncated no';

const FSYNC_FIX = 'acknowledged writes may be lost if the server crashes. Set appendonly yes and appendfsync always in redis.conf (or CONFIG SET appendonly yes, CONFIG SET appendfsync always, then CONFIG REWRITE)';
const TRUNCATED_FIX =
  'a crash that cuts one script call short in the AOF (a store batch, a send) leaves its transaction open in the file, so a later restart applies that call in part and may drop acknowledged writes. ' +
  'Set aof-load-truncated no in redis.conf (or CONFIG SET aof-load-truncated no, then CONFIG REWRITE); when the server then refuses to start after a crash, ' +
  'run redis-check-aof --fix on its AOF (appendonlydir/appendonly.aof.manifest on Redis 7, appendonly.aof before), which cuts the file before the unfinished transaction, and start it again';

export interface DurabilityReport {
  durable: boolean;
  /** Why not, for the log and for requireDurable's error; empty when durable. */
  reason: string;
}

/**
 * Asks every server behind these clients (every shard; every master of a Cluster) with CONFIG GET a* (one pattern:
 * Redis 6 too), and gives one report naming each server that falls short, each fix said once.
 */
export async function probeDurability(clients: RedisClient | readonly RedisClient[], where: string): Promise<DurabilityReport> {
  const servers: Redis[] = (Array.isArray(clients) ? clients : [clients]).flatMap((client: RedisClient) => (client instanceof Cluster ? client.nodes('master') : [client]));
  const fsync: string[] = [];
  const truncated: string[] = [];
  for (const server of servers) {
    const name = (server.options.sentinels?.length ?? 0) > 0 ? `the master "${server.options.name ?? '?'}"` : `${server.options.host ?? '?'}:${server.options.port ?? '?'}`;
    let reply: unknown;
    try {
      reply = await server.config('GET', 'a*');
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      if (/^(NOPERM|ERR unknown command|ERR unknown subcommand)/i.test(detail)) {
        return {
          durable: false,
          reason:
            `CONFIG GET was refused by ${name} (${detail}), so its persistence settings are unknown: grant the ACL user ` +
            `+config|get (or ask the provider whether it runs with ${DURABLE_SETTINGS})`,
        };
      }
      throw mapRedisError(error, `reading the persistence settings of ${where}`);
    }
    const settings = toSettings(reply);
    if (settings.appendonly !== 'yes' || settings.appendfsync !== 'always') {
      fsync.push(`${name} runs with appendonly ${settings.appendonly ?? '?'} and appendfsync ${settings.appendfsync ?? '?'}`);
    }
    if (settings['aof-load-truncated'] !== 'no') {
      truncated.push(`${name} runs with aof-load-truncated ${settings['aof-load-truncated'] ?? '?'}`);
    }
  }
  const reasons = [...(fsync.length > 0 ? [`${fsync.join('; ')}: ${FSYNC_FIX}`] : []), ...(truncated.length > 0 ? [`${truncated.join('; ')}: ${TRUNCATED_FIX}`] : [])];
  return { durable: reasons.length === 0, reason: reasons.join('. ') };
}

function toSettings(reply: unknown): Record<string, string> {
  const settings: Record<string, string> = {};
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) settings[String(reply[i])] = String(reply[i + 1]);
  }
  return settings;
}

/** Logs (warn) why a store is not durable, or throws INVALID_CONFIG when `requireDurable` asked for it. */
export function enforceDurability(report: DurabilityReport, requireDurable: boolean, where: string, logger: Logger): void {
  if (report.durable) return;
  if (requireDurable) {
    throw new ResoluteError('INVALID_CONFIG', `requireDurable: ${where} does not persist each write before acknowledging it: ${report.reason}`, {
      retryable: false,
      details: { fields: ['requireDurable'] },
    });
  }
  logger.warn({ store: where }, `${where} is not durable (store.durable is false): ${report.reason}`);
}
