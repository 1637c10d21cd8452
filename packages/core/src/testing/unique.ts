import { randomBytes } from 'node:crypto';

let counter = 0;

/**
 * A name no other test in any process uses: `<prefix>-<pid>-<counter>-<random>`, in base 36 and hex. It holds only
 * letters, digits, dash (and whatever `prefix` holds), so it is a valid namespace, topic, queue or directory name
 * when `prefix` is. Give every test its own topics, queues and directories with it.
 */
export function uniqueName(prefix = 'test'): string {
  counter++;
  return `${prefix}-${process.pid.toString(36)}-${counter.toString(36)}-${randomBytes(3).toString('hex')}`;
}
