import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '@resolute/core/testing';
import { Redis } from 'ioredis';
import { PrivateRedis, requireRedisServer } from './private-redis.js';

export interface PrivateSentinelGroupOptions {
  /** The monitored master's name. Default `resolute-master`. */
  name?: string;
  /** `sentinel down-after-milliseconds`: how long the master must be silent to be subjectively down. Default 1000. */
  downAfterMs?: number;
  /** `sentinel failover-timeout`. Default 4000 (a failed attempt is retried after twice that). */
  failoverTimeoutMs?: number;
}

/** Every data server: AOF with fsync per write, and a full sync that starts at once (not 5 s later). */
const SERVER_ARGS = ['--repl-diskless-sync-delay', '0'];

/**
 * A Sentinel deployment of our own for failover tests: a master and one replica (redis-server with AOF appendfsync
 * always, each on a free port in its own temp dir) watched by three sentinels (`redis-server sentinel.conf
 * --sentinel`, quorum 2, each with its own conf file in its own temp dir, since a sentinel rewrites it). Which
 * server is master changes with failovers: ask `master()`, never assume `servers[0]`.
 */
export class PrivateSentinelGroup {
  private constructor(
    readonly name: string,
    /** The data servers: the initial master first, then the replica. */
    readonly servers: readonly PrivateRedis[],
    private readonly sentinels: readonly SentinelProcess[],
  ) {}

  /** The sentinels as `host:port`, for `RedisConnection.open({ sentinel: { sentinels, name } })`. */
  get sentinelAddresses(): string[] {
    return this.sentinels.map((s) => `127.0.0.1:${s.port}`);
  }

  /** Starts the servers and sentinels and resolves once the replica is in sync and a failover could be authorised. */
  static async start(options: PrivateSentinelGroupOptions = {}): Promise<PrivateSentinelGroup> {
    requireRedisServer();
    const name = options.name ?? 'resolute-master';
    const servers: PrivateRedis[] = [];
    const sentinels: SentinelProcess[] = [];
    try {
      const master = await PrivateRedis.start({ aof: true, args: SERVER_ARGS });
      servers.push(master);
      servers.push(await PrivateRedis.start({ aof: true, args: [...SERVER_ARGS, '--replicaof', '127.0.0.1', String(master.port)] }));
      const conf = [
        `sentinel monitor ${name} 127.0.0.1 ${master.port} 2`,
        `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1_000}`,
        `sentinel failover-timeout ${name} ${options.failoverTimeoutMs ?? 4_000}`,
        `sentinel parallel-syncs ${name} 1`,
      ];
      for (let i = 0; i < 3; i++) sentinels.push(await SentinelProcess.start(conf));
      const group = new PrivateSentinelGroup(name, servers, sentinels);
      await group.waitUntilHealthy(30_000);
      return group;
    } catch (error) {
      await Promise.all([...sentinels.map((s) => s.destroy()), ...servers.map((s) => s.destroy())]);
      throw error;
    }
  }

  /** The master's port as a sentinel reports it (`SENTINEL get-master-addr-by-name`), from the first that answers. */
  async masterPort(): Promise<number> {
    let lastError: unknown;
    for (const sentinel of this.sentinels) {
      try {
        return await sentinel.masterPort(this.name);
      } catch (error) {
        lastError = error;
      }
    }
    throw new Error(`no sentinel of ${this.name} answered get-master-addr-by-name`, { cause: lastError });
  }

  /** The data server the sentinels name as master. */
  async master(): Promise<PrivateRedis> {
    const port = await this.masterPort();
    const server = this.servers.find((s) => s.port === port);
    if (server === undefined) throw new Error(`the sentinels name 127.0.0.1:${port} as master: not a server of this group`);
    return server;
  }

  /** SIGKILLs the current master (no shutdown, no goodbye to clients or replicas) and returns it. */
  async killMaster(): Promise<PrivateRedis> {
    const master = await this.master();
    await master.kill();
    return master;
  }

  /**
   * Waits until every sentinel names another master than `oldPort` and that server answers ROLE as master; resolves
   * with it.
   */
  async waitForFailover(oldPort: number, timeoutMs = 30_000): Promise<PrivateRedis> {
    const port = await waitFor(
      async () => {
        const ports = await Promise.all(this.sentinels.map((s) => s.masterPort(this.name)));
        const first = ports[0]!;
        return first !== oldPort && ports.every((p) => p === first) && (await role(first)) === 'master' ? first : undefined;
      },
      { timeoutMs, intervalMs: 50, message: `the sentinels of ${this.name} to promote a replica in place of 127.0.0.1:${oldPort}` },
    );
    return this.servers.find((s) => s.port === port)!;
  }

  /**
   * Starts a killed server again (same port and data dir, so with the configuration it was started with) and waits
   * until the sentinels have turned it into a replica of the current master and it is in sync.
   */
  async revive(server: PrivateRedis, timeoutMs = 60_000): Promise<void> {
    await server.boot();
    await this.waitUntilHealthy(timeoutMs);
  }

  /** Every server up, the master's replicas online, and `SENTINEL CKQUORUM` OK on every sentinel. */
  async waitUntilHealthy(timeoutMs = 30_000): Promise<void> {
    let state = 'not asked yet';
    await waitFor(
      async () => {
        const port = await this.masterPort();
        const info = await infoReplication(port);
        const online = (info.match(/^slave\d+:.*state=online/gm) ?? []).length;
        const quorum = await Promise.all(this.sentinels.map((s) => s.command(['SENTINEL', 'CKQUORUM', this.name]).catch((e: Error) => e.message)));
        const replicas = await Promise.all(this.sentinels.map((s) => s.replicaFlags(this.name)));
        state = `master ${port}, ${online} replicas online, ckquorum ${JSON.stringify(quorum)}, replica flags ${JSON.stringify(replicas)}`;
        return (
          online === this.servers.length - 1 &&
          quorum.every((q) => typeof q === 'string' && q.startsWith('OK')) &&
          replicas.every((flags) => flags.length === this.servers.length - 1 && flags.every((f) => f === 'slave'))
        );
      },
      { timeoutMs, intervalMs: 100, message: () => `the sentinel group ${this.name} to be healthy (${state})` },
    );
  }

  /** Stops every sentinel and server and removes their temp dirs. */
  async destroy(): Promise<void> {
    await Promise.all([...this.sentinels.map((s) => s.destroy()), ...this.servers.map((s) => s.destroy())]);
  }
}

/** One `redis-server sentinel.conf --sentinel` on a free port, with its conf in a temp dir of its own. */
class SentinelProcess {
  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly process: ChildProcess,
  ) {}

  static async start(monitor: readonly string[]): Promise<SentinelProcess> {
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), 'resolute-sentinel-'));
    const conf = join(dir, 'sentinel.conf');
    await writeFile(conf, [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, ...monitor, ''].join('\n'));
    const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
    const sentinel = new SentinelProcess(port, dir, child);
    try {
      await waitFor(() => sentinel.command(['PING']).then((r) => r === 'PONG'), {
        timeoutMs: 10_000,
        intervalMs: 50,
        message: `sentinel on port ${port} to start`,
      });
    } catch (error) {
      await sentinel.destroy();
      throw error;
    }
    return sentinel;
  }

  async masterPort(name: string): Promise<number> {
    const reply = (await this.command(['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name])) as [string, string] | null;
    if (reply === null) throw new Error(`sentinel ${this.port} does not know ${name}`);
    return Number(reply[1]);
  }

  /** The flags of every replica this sentinel knows (`slave` alone when it is up and linked). */
  async replicaFlags(name: string): Promise<string[]> {
    const replicas = (await this.command(['SENTINEL', 'REPLICAS', name])) as string[][];
    return replicas.map((fields) => fields[fields.indexOf('flags') + 1] ?? '?');
  }

  async command(args: readonly string[]): Promise<unknown> {
    return withClient(this.port, (client) => client.call(args[0]!, args.slice(1)));
  }

  async destroy(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      await new Promise<void>((resolve) => {
        this.process.once('exit', () => resolve());
        this.process.kill('SIGKILL');
      });
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function withClient<T>(port: number, work: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    return await work(client);
  } finally {
    client.disconnect();
  }
}

async function role(port: number): Promise<string> {
  try {
    return await withClient(port, async (client) => String(((await client.call('ROLE')) as unknown[])[0]));
  } catch {
    return 'down';
  }
}

async function infoReplication(port: number): Promise<string> {
  return withClient(port, (client) => client.info('replication'));
}
