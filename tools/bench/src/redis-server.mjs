// A redis-server of the bench's own (free port, temp dir), so a run never touches the machine's shared instance and
// every case of one run talks to the same server with the same settings.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** appendonly with fsync once a second: the usual production setting, the same for every case. */
export const REDIS_SETTINGS = ['--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec'];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function startRedis() {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('redis-server is not installed: run `apt-get install -y redis-server` (Debian package redis-server)');
  }
  const dir = await mkdtemp(join(tmpdir(), 'resolute-bench-redis-'));
  const port = await freePort();
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...REDIS_SETTINGS], { stdio: 'ignore' });
  const probe = new Redis({ port, lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: 1 });
  probe.on('error', () => {});
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`the bench's redis-server on port ${port} did not start: ${error.message}`);
      probe.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    /** Empties the server between cases, so one case's leftovers do not slow the next. */
    flush: () => probe.flushall(),
    /**
     * CPU time redis-server has used so far (user + system of the whole process, its AOF fsync thread included), in
     * ms, from INFO cpu: getrusage's microseconds, where /proc/<pid>/stat would give 10 ms ticks.
     */
    cpuMs: async () => {
      const info = await probe.info('cpu');
      const seconds = (field) => Number(new RegExp(`^${field}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
      return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1000;
    },
    /** The server's own version line, for the results file. */
    version: async () => /redis_version:(\S+)/.exec(await probe.info('server'))?.[1] ?? 'unknown',
    async stop() {
      probe.disconnect();
      server.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
