import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '@resolute/core/testing';

/**
 * A redis-server of the test's own (free port, temp dir, AOF with appendfsync always), for the Redis store commands:
 * never the machine's shared instance. The CLI package does not depend on a Redis client, so readiness is a raw PING.
 */
export class TestRedis {
  private constructor(
    private readonly server: ChildProcess,
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<TestRedis> {
    try {
      execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    } catch {
      throw new Error('redis-server is not installed: run `apt-get install -y redis-server` (Debian package redis-server)');
    }
    const dir = await mkdtemp(join(tmpdir(), 'resolute-cli-redis-'));
    const port = await freePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--aof-load-truncated', 'no'];
    const server = spawn('redis-server', args, { stdio: 'ignore' });
    await waitFor(() => ping(port), { timeoutMs: 10_000, intervalMs: 50, message: `redis-server on port ${port} did not start` });
    return new TestRedis(server, port, dir);
  }

  async stop(): Promise<void> {
    if (this.server.exitCode === null && this.server.signalCode === null) {
      await new Promise<void>((resolve) => {
        this.server.once('exit', () => resolve());
        this.server.kill('SIGKILL');
      });
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1_000);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
