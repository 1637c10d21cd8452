import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { uniqueName } from '@resolute/core/testing';

const run = promisify(execFile);

/** A key prefix of the test's own on the machine's shared Redis: the redis profile's private space. */
export interface PrivatePrefix {
  readonly name: string;
  /** Deletes every key under the prefix. Safe to call twice. */
  remove(): Promise<void>;
}

async function redisCli(args: readonly string[], url: string): Promise<string> {
  try {
    const { stdout } = await run('redis-cli', ['-u', url, ...args], { timeout: 60_000 });
    return stdout;
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new Error(`redis-cli ${args.join(' ')} failed: the redis profile's tests need Redis at ${url} and redis-cli (Debian package redis-tools) (${(stderr ?? '').trim() || message})`, { cause: error });
  }
}

/**
 * A unique prefix (so the test's streams, queues and store keys never meet anyone else's on the shared Redis);
 * `remove` deletes everything under it.
 */
export async function privatePrefix(url: string, base = 'resolute-demo'): Promise<PrivatePrefix> {
  const name = uniqueName(base).replace(/[^A-Za-z0-9._-]/g, '-');
  await redisCli(['PING'], url);
  let removed: Promise<void> | undefined;
  const remove = (): Promise<void> =>
    (removed ??= (async () => {
      const keys = (await redisCli(['--scan', '--pattern', `${name}:*`], url)).split('\n').filter(Boolean);
      for (let i = 0; i < keys.length; i += 500) await redisCli(['DEL', ...keys.slice(i, i + 500)], url);
    })().catch(() => undefined));
  return { name, remove };
}
