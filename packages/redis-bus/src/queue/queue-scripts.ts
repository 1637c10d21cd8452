import { LuaScript } from '../connection/lua-script.js';
import type { RedisClient } from '../connection/redis-connection.js';

/** The queue's Lua scripts (lua/<name>.lua; each header lists KEYS, ARGV and the reply). All take the nine keys. */
export const QUEUE_SCRIPTS = {
  attach: new LuaScript('queue-attach-9', 9),
  detach: new LuaScript('queue-detach-9', 9),
  heartbeat: new LuaScript('queue-heartbeat-9', 9),
  push: new LuaScript('queue-push-9', 9),
  take: new LuaScript('queue-take-9', 9),
  ack: new LuaScript('queue-ack-9', 9),
  release: new LuaScript('queue-release-9', 9),
  peek: new LuaScript('queue-peek-9', 9),
  flush: new LuaScript('queue-flush-9', 9),
  destroy: new LuaScript('queue-destroy-9', 9),
  setMetadata: new LuaScript('queue-set-metadata-9', 9),
} as const;

/**
 * Runs a script whose reply carries message bodies: bulk strings come back as Buffers (bodies are bytes), integers
 * as numbers. EVALSHA first, EVAL once on NOSCRIPT (a restarted server), like `LuaScript.run`.
 */
export async function runBinary(script: LuaScript, client: RedisClient, keys: readonly string[], args: readonly (string | Buffer | number)[]): Promise<unknown> {
  try {
    return await client.callBuffer('EVALSHA', [script.sha, script.numberOfKeys, ...keys, ...args]);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return client.callBuffer('EVAL', [script.source, script.numberOfKeys, ...keys, ...args]);
  }
}
