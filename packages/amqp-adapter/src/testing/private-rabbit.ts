import { spawn, type ChildProcess } from 'node:child_process';
import { chown, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { freePort, uniqueName, waitFor } from '@resolute/core/testing';
import { rabbitmqctl } from './rabbitmqctl.js';

/**
 * A RabbitMQ node of our own (own node name, AMQP and distribution ports, data and log directories under a temp
 * dir), for fault tests that kill and restart the broker: never the machine's shared node. The data directory
 * survives `kill()`/`restart()`, so durable queues and persistent messages do too. `destroy()` stops it and deletes
 * everything.
 */
export class PrivateRabbit {
  private server: ChildProcess | undefined;

  private constructor(
    readonly node: string,
    readonly port: number,
    private readonly distPort: number,
    readonly dir: string,
  ) {}

  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  static async start(): Promise<PrivateRabbit> {
    const dir = await mkdtemp(join(tmpdir(), 'resolute-rabbit-'));
    const node = `${uniqueName('rt').replace(/-/g, '_')}@localhost`;
    const rabbit = new PrivateRabbit(node, await freePort(), await freePort(), dir);
    await mkdir(join(dir, 'mnesia'), { recursive: true });
    await mkdir(join(dir, 'log'), { recursive: true });
    await writeFile(join(dir, 'enabled_plugins'), '[].\n');
    // Our own config file, so the machine's /etc/rabbitmq/rabbitmq.conf (which listens on 5672) is not read.
    await writeFile(join(dir, 'rabbitmq.conf'), `loopback_users = none\nlisteners.tcp.1 = 127.0.0.1:${rabbit.port}\n`);
    await rabbit.boot();
    return rabbit;
  }

  /** Starts the node on its existing data directory and waits until it accepts AMQP connections. */
  async boot(): Promise<void> {
    // Debian's wrapper drops to the rabbitmq user: it must own everything it writes.
    const uid = Number(execFileSync('id', ['-u', 'rabbitmq']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'rabbitmq']).toString().trim());
    await chownTree(this.dir, uid, gid);
    const env = {
      ...process.env,
      RABBITMQ_NODENAME: this.node,
      RABBITMQ_NODE_PORT: String(this.port),
      RABBITMQ_DIST_PORT: String(this.distPort),
      RABBITMQ_MNESIA_BASE: join(this.dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(this.dir, 'log'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(this.dir, 'enabled_plugins'),
      RABBITMQ_FEATURE_FLAGS_FILE: join(this.dir, 'feature_flags'),
      RABBITMQ_CONFIG_FILE: join(this.dir, 'rabbitmq.conf'),
    };
    const server = spawn('rabbitmq-server', [], { cwd: tmpdir(), env, stdio: 'ignore' });
    this.server = server;
    let exited = false;
    server.on('exit', () => (exited = true));
    await waitFor(
      async () => {
        if (exited && this.server === server) throw new Error(`rabbitmq-server ${this.node} exited during boot: see ${this.dir}/log`);
        await rabbitmqctl(['await_startup', '--timeout', '20'], this.node);
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 300, message: `private RabbitMQ ${this.node} to start` },
    );
  }

  /** The beam process's OS pid. */
  async pid(): Promise<number> {
    return Number((await rabbitmqctl(['eval', 'list_to_integer(os:getpid()).'], this.node)).trim());
  }

  /** SIGKILL the broker (no clean shutdown), then wait for it to be gone. */
  async kill(): Promise<void> {
    const pid = await this.pid();
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !alive(pid), { timeoutMs: 15_000, message: 'the killed broker to exit' });
    this.server = undefined;
  }

  async closeAllConnections(): Promise<void> {
    await rabbitmqctl(['close_all_connections', 'fault test'], this.node);
  }

  async destroy(): Promise<void> {
    await rabbitmqctl(['stop'], this.node).catch(async () => {
      const pid = await this.pid().catch(() => undefined);
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
    });
    await rm(this.dir, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await chown(path, uid, gid);
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) await chownTree(child, uid, gid);
    else await chown(child, uid, gid);
  }
}
