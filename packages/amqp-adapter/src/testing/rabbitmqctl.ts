import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { uniqueName } from '@resolute/core/testing';

const run = promisify(execFile);

/** The machine's shared RabbitMQ: used read-mostly, through a private vhost per test file. */
export const SHARED_HOST = process.env.RESOLUTE_AMQP_HOST ?? '127.0.0.1:5672';

export async function rabbitmqctl(args: readonly string[], node?: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { stdout } = await run('rabbitmqctl', [...(node === undefined ? [] : ['-n', node]), ...args], { env, timeout: 60_000 });
  return stdout;
}

/** A vhost of our own on a node (the shared one by default), guest allowed, deleted by `remove`. */
export interface PrivateVhost {
  readonly name: string;
  /** amqp://guest:guest@host/<vhost> */
  readonly url: string;
  remove(): Promise<void>;
}

export async function privateVhost(host = SHARED_HOST, node?: string): Promise<PrivateVhost> {
  const name = uniqueName('resolute-amqp');
  await rabbitmqctl(['add_vhost', name], node);
  await rabbitmqctl(['set_permissions', '-p', name, 'guest', '.*', '.*', '.*'], node);
  return {
    name,
    url: `amqp://guest:guest@${host}/${encodeURIComponent(name)}`,
    async remove() {
      await rabbitmqctl(['delete_vhost', name], node).catch(() => undefined);
    },
  };
}
