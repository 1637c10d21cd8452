import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '@resolute/core/testing';
import { Redis } from 'ioredis';

/** Fails with the package to install when redis-server (or redis-check-aof, which repairs a cut AOF) is missing. */
export function requireRedisServer(): void {
  for (const [binary, pkg] of [['redis-server', 'redis-server'], ['redis-check-aof', 'redis-tools']] as const) {
    try {
      execFileSync('which', [binary], { stdio: 'ignore' });
    } catch {
      throw new Error(`${binary} is not installed: run \`apt-get install -y ${pkg}\` (Debian package ${pkg})`);
    }
  }
}

/** What redis-server logs when it refuses an AOF cut short by a crash (with aof-load-truncated no). */
const CUT_AOF = /Unexpected end of file reading the append only file|Bad file format reading the append only file/;

export interface PrivateRedisOptions {
  /**
   * appendonly yes + appendfsync always (+ aof-load-truncated no, always set): an acknowledged write survives SIGKILL
   * of the server, and a batch cut short in the AOF is repaired away whole on the next boot. Default true.
   */
  aof?: boolean;
  /** Extra `--name value` arguments. */
  args?: readonly string[];
}

/**
 * A redis-server of our own (free port, own temp data dir), for tests that kill, restart or fill Redis: never the
 * machine's shared instance. The data dir survives `kill()` and `restart()`; `destroy()` removes it.
 *
 * It runs as we tell users to run Redis under a RedisStore (durability.ts): with `aof-load-truncated no`, a server
 * killed in the middle of writing its AOF refuses to start, and boot() does what an operator does then — runs
 * `redis-check-aof --fix` (which cuts the file before the unfinished transaction) and starts it again, counted in
 * `repairs`.
 */
export class PrivateRedis {
  private server: ChildProcess | undefined;
  /** How many times boot() repaired an AOF cut short by a kill. */
  repairs = 0;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly args: readonly string[],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
    requireRedisServer();
    const dir = await mkdtemp(join(tmpdir(), 'resolute-redis-'));
    const aof = options.aof ?? true;
    const args = [
      '--bind', '127.0.0.1',
      '--dir', dir,
      '--save', '',
      '--appendonly', aof ? 'yes' : 'no',
      '--appendfsync', 'always',
      '--aof-load-truncated', 'no',
      '--protected-mode', 'no',
      ...(options.args ?? []),
    ];
    const redis = new PrivateRedis(await freePort(), dir, args);
    await redis.boot();
    return redis;
  }

  async boot(): Promise<void> {
    // The server logs to a file in its dir (a pipe to us could fill and stall it while a test blocks its event loop);
    // the part written by this boot says why it stopped.
    const logFile = join(this.dir, 'redis.log');
    for (let attempt = 0; ; attempt++) {
      const logFrom = existsSync(logFile) ? statSync(logFile).size : 0;
      const server = spawn('redis-server', ['--port', String(this.port), '--logfile', logFile, ...this.args], { stdio: 'ignore' });
      this.server = server;
      await waitFor(async () => exited(server) || (await ping(this.port)), {
        timeoutMs: 10_000,
        intervalMs: 50,
        message: `private redis-server on port ${this.port} did not start (its log: ${logFile})`,
      });
      if (!exited(server)) return;
      this.server = undefined;
      const log = existsSync(logFile) ? readFileSync(logFile).subarray(logFrom).toString() : '';
      if (attempt > 0 || !CUT_AOF.test(log)) {
        throw new Error(`private redis-server on port ${this.port} exited (${server.exitCode ?? server.signalCode}): ${log.slice(-2_000)}`);
      }
      this.repairAof();
    }
  }

  /** `redis-check-aof --fix`, answering its "Continue? [y/N]" (multi-part AOF of Redis 7, else the single file). */
  private repairAof(): void {
    const manifest = join(this.dir, 'appendonlydir', 'appendonly.aof.manifest');
    const target = existsSync(manifest) ? manifest : join(this.dir, 'appendonly.aof');
    try {
      execFileSync('redis-check-aof', ['--fix', target], { input: 'y\n', stdio: 'pipe' });
    } catch (error) {
      const output = (error as { stdout?: Buffer }).stdout?.toString() ?? '';
      throw new Error(`redis-check-aof --fix ${target} failed: ${output.slice(-2_000)}`, { cause: error });
    }
    this.repairs++;
  }

  /**
   * SIGSTOP: a silent network cut as clients see it. Their sockets stay open and what they send is never answered;
   * TCP reports nothing. `thaw()` resumes the same process; `kill()` and `destroy()` work on a frozen one.
   */
  freeze(): void {
    this.server?.kill('SIGSTOP');
  }

  thaw(): void {
    this.server?.kill('SIGCONT');
  }

  /** SIGKILL: no shutdown save, no goodbye to clients. */
  async kill(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server || exited(server)) return;
    await new Promise<void>((resolve) => {
      server.once('exit', () => resolve());
      server.kill('SIGKILL');
    });
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.boot();
  }

  async destroy(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** A plain ioredis client to this server, for a test to look inside (close it with `disconnect()`). */
  client(): Redis {
    const client = new Redis({ port: this.port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
    client.on('error', () => {});
    return client;
  }

  async keys(pattern = '*'): Promise<string[]> {
    const client = this.client();
    try {
      return await client.keys(pattern);
    } finally {
      client.disconnect();
    }
  }

  async dbsize(): Promise<number> {
    const client = this.client();
    try {
      return await client.dbsize();
    } finally {
      client.disconnect();
    }
  }
}

/**
 * A Redis Cluster of `masters` real redis-server processes (no replicas), created with `redis-cli --cluster create`
 * on free ports in a temp dir.
 */
export class PrivateCluster {
  private constructor(
    readonly nodes: PrivateRedis[],
  ) {}

  get urls(): string[] {
    return this.nodes.map((n) => n.url);
  }

  static async start(masters = 3): Promise<PrivateCluster> {
    const nodes: PrivateRedis[] = [];
    try {
      for (let i = 0; i < masters; i++) {
        nodes.push(await PrivateRedis.start({ aof: false, args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'] }));
      }
      execFileSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], { stdio: 'ignore' });
      await waitFor(async () => (await Promise.all(nodes.map((n) => clusterState(n.port)))).every((s) => s === 'ok'), {
        timeoutMs: 20_000,
        intervalMs: 100,
        message: 'the private Redis Cluster did not reach cluster_state:ok',
      });
    } catch (error) {
      await Promise.all(nodes.map((n) => n.destroy()));
      throw error;
    }
    return new PrivateCluster(nodes);
  }

  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.destroy()));
  }
}

/** Whether the process has ended, by exit or by a signal (exitCode stays null for the latter). */
function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function ping(port: number): Promise<boolean> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch (error) {
    // A server started with requirepass answers NOAUTH: it is up.
    return error instanceof Error && /NOAUTH/.test(error.message);
  } finally {
    client.disconnect();
  }
}

async function clusterState(port: number): Promise<string> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    const info = (await client.call('CLUSTER', 'INFO')) as string;
    return /cluster_state:(\w+)/.exec(info)?.[1] ?? 'unknown';
  } catch {
    return 'down';
  } finally {
    client.disconnect();
  }
}
