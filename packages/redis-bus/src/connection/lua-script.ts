import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RedisClient } from './redis-connection.js';

/**
 * A Lua script from the package's `lua/` directory (`lua/<name>.lua`, shipped in the npm package beside `dist/`).
 * Runs with EVALSHA and falls back to EVAL once when the server does not have it cached (a restarted or new
 * server), so scripts survive server restarts without a reload step. On a Cluster, ioredis routes by the first key:
 * every script's keys share one hash tag.
 */
export class LuaScript {
  readonly source: string;
  readonly sha: string;

  constructor(
    readonly name: string,
    readonly numberOfKeys: number,
  ) {
    this.source = readFileSync(new URL(`../../lua/${name}.lua`, import.meta.url), 'utf8');
    this.sha = createHash('sha1').update(this.source).digest('hex');
  }

  async run(client: RedisClient, keys: readonly string[], args: readonly (string | Buffer | number)[]): Promise<unknown> {
    if (keys.length !== this.numberOfKeys) throw new Error(`${this.name}.lua takes ${this.numberOfKeys} keys, got ${keys.length}`);
    try {
      return await client.evalsha(this.sha, this.numberOfKeys, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(this.source, this.numberOfKeys, ...keys, ...args);
    }
  }

  /** Like `run`, with every bulk string of the reply as a Buffer (binary values), integers as numbers. */
  async runBuffer(client: RedisClient, keys: readonly string[], args: readonly (string | Buffer | number)[]): Promise<unknown> {
    if (keys.length !== this.numberOfKeys) throw new Error(`${this.name}.lua takes ${this.numberOfKeys} keys, got ${keys.length}`);
    try {
      return await client.callBuffer('EVALSHA', [this.sha, this.numberOfKeys, ...keys, ...args]);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.callBuffer('EVAL', [this.source, this.numberOfKeys, ...keys, ...args]);
    }
  }
}
