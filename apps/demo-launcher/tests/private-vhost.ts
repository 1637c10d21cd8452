import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { uniqueName } from '@resolute/core/testing';

const run = promisify(execFile);

/** A RabbitMQ vhost of the test's own on the machine's shared broker, guest allowed everywhere in it. */
export interface PrivateVhost {
  readonly name: string;
  /** Deletes the vhost with its exchanges and queues. Safe to call twice. */
  remove(): Promise<void>;
}

async function rabbitmqctl(args: readonly string[]): Promise<void> {
  try {
    await run('rabbitmqctl', args, { timeout: 60_000 });
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new Error(`rabbitmqctl ${args.join(' ')} failed: the amqp profile's tests need RabbitMQ running here and rabbitmqctl allowed (${(stderr ?? '').trim() || message})`, { cause: error });
  }
}

/**
 * Creates a vhost named after `prefix` (unique per call) with `guest` given every permission, so a test's queues and
 * exchange start empty and never meet the shared broker's other users. `remove` deletes it.
 */
export async function privateVhost(prefix = 'resolute-demo'): Promise<PrivateVhost> {
  const name = uniqueName(prefix);
  await rabbitmqctl(['add_vhost', name]);
  let removed: Promise<void> | undefined;
  const remove = (): Promise<void> => (removed ??= rabbitmqctl(['delete_vhost', name]).catch(() => undefined));
  try {
    await rabbitmqctl(['set_permissions', '-p', name, 'guest', '.*', '.*', '.*']);
  } catch (error) {
    await remove();
    throw error;
  }
  return { name, remove };
}
